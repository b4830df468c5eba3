namespace OpenSag.Sessions;

/// <summary>
/// One row of an instance's online list as operators see it (console, <c>opensag sessions</c>): the session, the node
/// holding it, and the bytes it has carried each way since it went online (streams and packets alike).
/// </summary>
/// <param name="Node">The cluster node id holding the session; this node's id on a single node.</param>
/// <param name="BytesFromClient">Bytes the client sent through the tunnel (upstream).</param>
/// <param name="BytesToClient">Bytes the tunnel delivered to the client (downstream).</param>
public sealed record OnlineSessionListing(OnlineSessionInfo Session, string Node, long BytesFromClient, long BytesToClient);
