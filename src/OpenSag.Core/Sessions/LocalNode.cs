namespace OpenSag.Sessions;

/// <summary>
/// This process's node id: the cluster's name for it (<c>serve --node</c>, by default host name and gateway port),
/// and on a single node the name the operators' list and the server status show. Registered by the host.
/// </summary>
public sealed record LocalNode(string Id);
