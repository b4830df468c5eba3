namespace OpenSag.Domain;

/// <summary>Bytes one user moved through the gateway in one month (<c>yyyyMM</c>).</summary>
/// <param name="BytesIn">From the client towards the private network.</param>
/// <param name="BytesOut">From the private network back to the client ("leave" bytes on the wire).</param>
public sealed record FlowTotal(string SmartAGId, string UserName, string Month, long BytesIn, long BytesOut);
