namespace OpenSag.Services;

/// <summary>Who made a call, for the audit log: the access key it was signed with (or the console was signed in with) and the peer's IP address.</summary>
public sealed record Caller(string AccessKeyId, string SourceAddress)
{
    /// <summary>The API, signed with an access key.</summary>
    public const string ApiChannel = "api";

    /// <summary>The web console, signed in with an access key.</summary>
    public const string ConsoleChannel = "console";

    /// <summary>How the call came in: <see cref="ApiChannel"/> or <see cref="ConsoleChannel"/>.</summary>
    public string Channel { get; init; } = ApiChannel;
}
