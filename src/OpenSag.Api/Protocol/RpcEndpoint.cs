using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using OpenSag.Api.Actions;
using OpenSag.Api.Catalogue;
using OpenSag.Api.Responses;
using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Services;
using OpenSag.Storage;

namespace OpenSag.Api.Protocol;

/// <summary>
/// <c>GET|POST /</c>: reads the call, picks the action, authenticates, binds and validates the parameters, runs
/// the handler and writes the answer. This is the one place where an exception becomes an error response:
/// <see cref="ApiException"/> with its catalogue status (logged at Debug), anything else as 500 InternalError
/// (logged at Error, since it is our fault), except an unreachable database, which is 503 ServiceUnavailable.
/// </summary>
/// <param name="version">
/// The one Version the endpoint's actions answer to: <see cref="SmartagActions.Version"/> on <c>/</c>,
/// <see cref="OpenSagActions.Version"/> on <see cref="OpenSagActions.Path"/> (same protocol, signatures and errors).
/// </param>
public sealed class RpcEndpoint(ActionTable actions, ActionInvoker invoker, Authenticator authenticator, IdempotentCalls idempotent, ILogger<RpcEndpoint> logger,
    string version = SmartagActions.Version)
{
    public async Task HandleAsync(HttpContext http)
    {
        var requestId = ResourceIds.NewRequestId();
        var format = ResponseFormat.Json;
        var host = http.Request.Host.Host;
        var cancellationToken = http.RequestAborted;
        var started = Stopwatch.GetTimestamp();
        var actionName = ApiMetrics.UnknownAction;
        var code = ApiMetrics.Success;
        try
        {
            if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsPost(http.Request.Method))
            {
                throw new ApiException(ErrorCatalogue.UnsupportedHttpMethod);
            }

            var request = await RpcRequest.ReadAsync(http.Request, cancellationToken);
            format = ReadFormat(request);
            var action = FindAction(request);
            actionName = action.Name;
            var key = await authenticator.AuthenticateAsync(request, cancellationToken);
            var caller = new Caller(key.AccessKeyId, Caller.AddressText(http.Connection.RemoteIpAddress));
            var arguments = await invoker.BindAsync(action, request.Parameters, caller);
            if (ClientTokenOf(action, arguments) is { } token)
            {
                var tokenKey = new ClientTokenKey(caller.AccessKeyId, action.Name, token);
                var answer = await idempotent.RunAsync(tokenKey, Fingerprint(action, arguments), async ct =>
                {
                    var body = await invoker.InvokeAsync(action, arguments, caller, ct);
                    return new ClientTokenAnswer(requestId, ResponseWriter.Write(ResponseFormat.Json, action.Name, requestId, body),
                        ResponseWriter.Write(ResponseFormat.Xml, action.Name, requestId, body));
                }, cancellationToken);
                // A repeat is the first call's answer, RequestId and all.
                await WriteAsync(http, StatusCodes.Status200OK, format, format == ResponseFormat.Xml ? answer.Xml : answer.Json, answer.RequestId);
            }
            else
            {
                var body = await invoker.InvokeAsync(action, arguments, caller, cancellationToken);
                await WriteAsync(http, StatusCodes.Status200OK, format, ResponseWriter.Write(format, action.Name, requestId, body), requestId);
            }
        }
        catch (ApiException e)
        {
            // Error, not WireError: what the request is echoed with (its string to sign, passwords and all) is for
            // the caller alone.
            logger.LogDebug("Request {RequestId} refused: {Code} {Message}", requestId, e.Error.Code, e.Error.Message);
            code = e.Error.Code;
            await WriteErrorAsync(http, format, requestId, host, e.WireError);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller went away; there is nobody to answer.
            code = ApiMetrics.Abandoned;
        }
        catch (Exception e) when (e is BadHttpRequestException or Microsoft.AspNetCore.Connections.ConnectionResetException or IOException && !http.Response.HasStarted)
        {
            // Kestrel's own refusals while reading the body (too large, malformed chunking, reset mid-body).
            logger.LogDebug(e, "Request {RequestId} could not be read", requestId);
            code = ErrorCatalogue.InvalidParameterForm.Code;
            await WriteErrorAsync(http, format, requestId, host, ErrorCatalogue.InvalidParameter("Body").WithMessage("The request body could not be read."));
        }
        catch (Exception e) when (StoreUnavailable.IsCause(e) && !http.Response.HasStarted)
        {
            // The database is out of reach (DESIGN.md §5): a temporary refusal the caller can retry, not our bug.
            logger.LogWarning("Request {RequestId} refused, the database is unreachable: {Message}", requestId, e.Message);
            code = ErrorCatalogue.ServiceUnavailable.Code;
            await WriteErrorAsync(http, format, requestId, host, ErrorCatalogue.ServiceUnavailable);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Request {RequestId} failed", requestId);
            code = ErrorCatalogue.InternalError.Code;
            if (!http.Response.HasStarted)
            {
                await WriteErrorAsync(http, format, requestId, host, ErrorCatalogue.InternalError);
            }
        }
        finally
        {
            ApiMetrics.Record(actionName, code, Stopwatch.GetElapsedTime(started));
        }
    }

    private ActionDefinition FindAction(RpcRequest request)
    {
        var name = request.Get("Action") ?? request.Header("x-acs-action");
        if (string.IsNullOrEmpty(name))
        {
            throw new ApiException(ErrorCatalogue.Missing("Action"));
        }

        var requested = request.Get("Version") ?? request.Header("x-acs-version");
        if (string.IsNullOrEmpty(requested))
        {
            throw new ApiException(ErrorCatalogue.Missing("Version"));
        }

        if (requested != version)
        {
            throw new ApiException(ErrorCatalogue.InvalidVersion);
        }

        return actions.Find(name) ?? throw new ApiException(ErrorCatalogue.ActionNotFound);
    }

    /// <summary>The call's ClientToken when its action declares one and the caller sent one; such a call is idempotent.</summary>
    private static string? ClientTokenOf(ActionDefinition action, ActionArguments arguments) =>
        action.Parameters.Contains(WireParameters.ClientToken.Spec) ? arguments.Get(WireParameters.ClientToken) : null;

    /// <summary>The action's parameters as bound, in declaration order, the token itself left out (<see cref="IdempotentCalls.Fingerprint"/>).</summary>
    private static string Fingerprint(ActionDefinition action, ActionArguments arguments)
    {
        var values = new List<KeyValuePair<string, string>>();
        foreach (var spec in action.Parameters.Where(p => p != WireParameters.ClientToken.Spec))
        {
            if (!arguments.TryGetValue(spec.Name, out var value))
            {
                continue;
            }

            if (value is IReadOnlyList<string> items)
            {
                values.AddRange(items.Select((item, i) => KeyValuePair.Create($"{spec.Name}.{(i + 1).ToString(CultureInfo.InvariantCulture)}", item)));
            }
            else
            {
                values.Add(KeyValuePair.Create(spec.Name, value switch
                {
                    bool b => b ? "true" : "false",
                    IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
                    _ => (string)value,
                }));
            }
        }

        return IdempotentCalls.Fingerprint(action.Name, values);
    }

    /// <summary>JSON unless Format says XML, compared case-insensitively (pop-core sends JSON, openapi-client json).</summary>
    private static ResponseFormat ReadFormat(RpcRequest request) => request.Get("Format") switch
    {
        null or "" => ResponseFormat.Json,
        var f when f.Equals("JSON", StringComparison.OrdinalIgnoreCase) => ResponseFormat.Json,
        var f when f.Equals("XML", StringComparison.OrdinalIgnoreCase) => ResponseFormat.Xml,
        _ => throw new ApiException(ErrorCatalogue.InvalidFormat),
    };

    private static Task WriteErrorAsync(HttpContext http, ResponseFormat format, string requestId, string host, ErrorDefinition error)
    {
        var body = new ResponseBody
        {
            { "HostId", host },
            { "Code", error.Code },
            { "Message", error.Message },
            { "Recommend", $"https://api.aliyun.com/troubleshoot?q={Uri.EscapeDataString(error.Code)}&product=Smartag&requestId={requestId}" },
        };
        return WriteAsync(http, error.HttpStatus, format, ResponseWriter.Write(format, "Error", requestId, body), requestId);
    }

    private static async Task WriteAsync(HttpContext http, int status, ResponseFormat format, byte[] payload, string requestId)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = ResponseWriter.ContentType(format);
        http.Response.Headers["x-acs-request-id"] = requestId;
        http.Response.ContentLength = payload.Length;
        await http.Response.Body.WriteAsync(payload, http.RequestAborted);
    }
}
