namespace OpenSag.Errors;

/// <summary>
/// A client-visible failure. Domain code throws it with a catalogue entry; the API layer turns it into the
/// error body in one place. Anything else that escapes a handler is our fault and becomes InternalError.
/// </summary>
public sealed class ApiException(ErrorDefinition error) : Exception(error.Code + ": " + error.Message)
{
    public ErrorDefinition Error { get; } = error;
}
