using System.Security.Cryptography;
using System.Text;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.Server;

/// <summary>
/// Access-key secrets are sealed with a key kept apart from the database (issue 9 item 2): the database files alone
/// reveal no secret, and a server given another key refuses to start instead of refusing every call.
/// </summary>
public sealed class SecretsAtRestTests
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Serve_RootKeyStored_DatabaseFilesDoNotContainTheRootSecret()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        using (var client = new SignedRpcClient(server))
        {
            var (status, body) = await client.CallAsync("DescribeSmartAccessGateways", new Dictionary<string, string> { ["RegionId"] = "cn-shanghai" }).WaitAsync(RequestTimeout);
            Assert.True(status == 200, $"the root key did not sign a call: {status} {body}\n{server.Output}");
        }

        // While running (the WAL is live) and after a graceful stop (its last connection checkpoints).
        AssertNoFileContains(server.DataDir, server.AccessKeySecret, "opensag.db", "opensag.db-wal");
        await server.StopAsync();
        AssertNoFileContains(server.DataDir, server.AccessKeySecret, "opensag.db", "opensag.db-wal");
        Assert.Equal(32, new FileInfo(Path.Combine(server.DataDir, "secrets.key")).Length);
    }

    [Fact]
    public async Task Serve_SecretsKeyOtherThanTheOneThatSealed_ExitsWithOneLine()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        await server.StopAsync();
        var otherKey = Path.Combine(server.DataDir, "other-secrets.key");
        await File.WriteAllBytesAsync(otherKey, RandomNumberGenerator.GetBytes(32));

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => OpenSagServer.StartAsync(server.AccessKeyId, server.AccessKeySecret, server.DataDir, "--secrets-key", otherKey))
            .WaitAsync(OpenSagServer.StartTimeout);

        Assert.Contains("exited with code 1 ", failure.Message, StringComparison.Ordinal);
        var error = Assert.Single(failure.Message.Split('\n'), l => l.StartsWith("err: ", StringComparison.Ordinal));
        Assert.StartsWith("err: opensag serve: cannot read the access-key secrets in ", error, StringComparison.Ordinal);
        Assert.Contains("--secrets-key", error, StringComparison.Ordinal);
        Assert.DoesNotContain(server.AccessKeySecret, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_SecretsKeyFileOfWrongSize_ExitsWithOneLineAndKeepsTheFile()
    {
        await using var server = await OpenSagServer.StartWithRandomKeysAsync();
        await server.StopAsync();
        var keyFile = Path.Combine(server.DataDir, "secrets.key");
        await File.WriteAllBytesAsync(keyFile, new byte[16]);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => OpenSagServer.StartAsync(server.AccessKeyId, server.AccessKeySecret, server.DataDir))
            .WaitAsync(OpenSagServer.StartTimeout);

        var error = Assert.Single(failure.Message.Split('\n'), l => l.StartsWith("err: ", StringComparison.Ordinal));
        Assert.StartsWith($"err: opensag serve: the secrets key {keyFile} holds 16 bytes, not 32", error, StringComparison.Ordinal);
        // A replaced key would make every stored secret unreadable for good; the operator must restore the right one.
        Assert.Equal(16, new FileInfo(keyFile).Length);
    }

    [Fact]
    public async Task Serve_SecretsKeyFileGiven_UsesItAndCreatesNoKeyInTheDataFolder()
    {
        var keyFolder = Directory.CreateTempSubdirectory("opensag-secrets-key-");
        try
        {
            var keyFile = Path.Combine(keyFolder.FullName, "cluster-secrets.key");
            await File.WriteAllBytesAsync(keyFile, RandomNumberGenerator.GetBytes(32));
            await using var server = await OpenSagServer.StartWithRandomKeysAsync("--secrets-key", keyFile);
            await server.RestartAsync();

            Assert.False(File.Exists(Path.Combine(server.DataDir, "secrets.key")), "the server made its own key although it was given one");
        }
        finally
        {
            keyFolder.Delete(recursive: true);
        }
    }

    private static void AssertNoFileContains(string folder, string secret, params string[] names)
    {
        var needle = Encoding.UTF8.GetBytes(secret);
        foreach (var name in names)
        {
            var path = Path.Combine(folder, name);
            if (!File.Exists(path))
            {
                continue;
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var bytes = new MemoryStream();
            stream.CopyTo(bytes);
            Assert.False(bytes.GetBuffer().AsSpan(0, (int)bytes.Length).IndexOf(needle) >= 0, $"{name} holds the root AccessKeySecret in clear");
        }
    }
}
