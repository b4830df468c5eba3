namespace OpenSag.Cli.Admin;

/// <summary>
/// What a call that got no API answer means for the user, in one line. HttpClient's own message for anything but
/// a refused connection is "An error occurred while sending the request." or "The SSL connection could not be
/// established, see inner exception.", which names neither the cause (the innermost exception) nor the usual fix.
/// </summary>
internal static class ApiReachFailure
{
    /// <summary>
    /// The line after <c>opensag smartag: </c> for <paramref name="failure"/> on a call to <paramref name="endpoint"/>.
    /// Something that answered but not as the API (the gateway's TLS port as <c>http://</c>, any port as
    /// <c>https://</c> while the API speaks plain HTTP) is the newcomer's wrong port or scheme, so the line points
    /// at the address <c>serve</c> prints.
    /// </summary>
    public static string Describe(HttpRequestException failure, Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(failure);
        ArgumentNullException.ThrowIfNull(endpoint);
        var cause = failure.GetBaseException().Message.TrimEnd('.');
        var endpointText = endpoint.GetLeftPart(UriPartial.Authority);
        return failure.HttpRequestError switch
        {
            HttpRequestError.SecureConnectionError or HttpRequestError.ResponseEnded or HttpRequestError.InvalidResponse
                or HttpRequestError.HttpProtocolError =>
                $"the endpoint {endpointText} did not answer as the API ({cause}); use the address `serve` prints as 'OpenSAG API listening on'.",
            _ => $"cannot reach the API at {endpointText}: {cause}.",
        };
    }
}
