namespace OpenSag.Errors;

/// <summary>One entry of the API's error catalogue: the wire code, the HTTP status and the message the cloud sends.</summary>
public sealed record ErrorDefinition(string Code, int HttpStatus, string Message)
{
    /// <summary>The same code and status with a message that names the offending value or parameter.</summary>
    public ErrorDefinition WithMessage(string message) => this with { Message = message };
}
