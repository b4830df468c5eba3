namespace OpenSag.Domain;

/// <summary>An API credential. The secret must be kept in clear: both signature schemes are HMACs keyed by it.</summary>
public sealed record AccessKey(string AccessKeyId, string AccessKeySecret, bool Enabled, DateTimeOffset CreatedAt);
