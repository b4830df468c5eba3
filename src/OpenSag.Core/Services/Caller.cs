namespace OpenSag.Services;

/// <summary>Who made an API call, for the audit log.</summary>
public sealed record Caller(string AccessKeyId, string SourceAddress);
