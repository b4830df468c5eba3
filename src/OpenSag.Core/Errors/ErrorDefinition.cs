namespace OpenSag.Errors;

/// <summary>One entry of the API's error catalogue: the wire code, the HTTP status and the message the cloud sends.</summary>
/// <remarks>
/// A Code names one error. Where the cloud sends the same code with another wording (KickOutClients' page) or status
/// (the ACL tables' 403s), the entry is derived from the code's root entry with <see cref="WithMessage"/> or
/// <see cref="WithStatus"/>, which records the root in <see cref="VariantOf"/>; two root entries with the same Code
/// and a different status or message are a mistake the catalogue tests report.
/// </remarks>
public sealed record ErrorDefinition(string Code, int HttpStatus, string Message)
{
    /// <summary>The root entry this one deliberately varies (same Code), or null for a root entry.</summary>
    public ErrorDefinition? VariantOf { get; init; }

    /// <summary>The same code and status with a message that names the offending value or parameter.</summary>
    public ErrorDefinition WithMessage(string message) => this with { Message = message, VariantOf = VariantOf ?? this };

    /// <summary>The same code and message with another HTTP status (an action whose documented table gives another one).</summary>
    public ErrorDefinition WithStatus(int httpStatus) => this with { HttpStatus = httpStatus, VariantOf = VariantOf ?? this };
}
