using System.Security.Cryptography;
using OpenSag.Security;

namespace OpenSag.Storage.Tests.Contract;

/// <summary>Fresh random keys for sealing access-key secrets, one per store the tests open (as a server's key file).</summary>
internal static class TestSecretsKey
{
    public static AccessKeySecretCipher New() => new(RandomNumberGenerator.GetBytes(AccessKeySecretCipher.KeyBytes));
}
