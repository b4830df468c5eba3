namespace OpenSag.Domain;

/// <summary>
/// An API credential, with its secret in clear: both signature schemes are HMACs keyed by it, so it cannot be
/// hashed. The stores keep it sealed with a key apart from the database (<see cref="Security.AccessKeySecretCipher"/>).
/// </summary>
public sealed record AccessKey(string AccessKeyId, string AccessKeySecret, bool Enabled, DateTimeOffset CreatedAt);
