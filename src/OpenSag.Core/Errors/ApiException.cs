namespace OpenSag.Errors;

/// <summary>
/// A client-visible failure. Domain code throws it with a catalogue entry; the API layer turns it into the
/// error body in one place. Anything else that escapes a handler is our fault and becomes InternalError.
/// </summary>
/// <remarks>
/// <see cref="Error"/> and the exception's message are safe to log. What the caller's own request must be shown but
/// the log must never hold (the string to sign carries every parameter, passwords included) goes in
/// <see cref="EchoToCaller"/>, which only <see cref="WireError"/> adds.
/// </remarks>
public sealed class ApiException(ErrorDefinition error) : Exception(error.Code + ": " + error.Message)
{
    public ErrorDefinition Error { get; } = error;

    /// <summary>
    /// Text from the caller's request appended to the message on the wire and nowhere else, e.g. the server's string
    /// to sign after SignatureDoesNotMatch, which the cloud sends and the SDKs compare with their own (spec §2.4).
    /// </summary>
    public string? EchoToCaller { get; init; }

    /// <summary>The error as the caller receives it: <see cref="Error"/> with <see cref="EchoToCaller"/> appended.</summary>
    public ErrorDefinition WireError => EchoToCaller is null ? Error : Error.WithMessage(Error.Message + EchoToCaller);
}
