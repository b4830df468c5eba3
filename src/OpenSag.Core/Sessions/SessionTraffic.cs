namespace OpenSag.Sessions;

/// <summary>
/// One session's byte totals since admission, counted where the flow meter counts the user's month (tunnelled
/// streams and layer-3 packets), so the operators' list (<see cref="OnlineSessionListing"/>) shows what each session
/// carried. Two interlocked adds per relay chunk or packet; read without a lock (each total is exact, the pair is not
/// one snapshot).
/// </summary>
public sealed class SessionTraffic
{
    private long _fromClient;
    private long _toClient;

    /// <summary>Bytes the client sent through the tunnel (upstream).</summary>
    public long BytesFromClient => Interlocked.Read(ref _fromClient);

    /// <summary>Bytes the tunnel delivered to the client (downstream).</summary>
    public long BytesToClient => Interlocked.Read(ref _toClient);

    public void Add(long fromClient, long toClient)
    {
        if (fromClient != 0)
        {
            Interlocked.Add(ref _fromClient, fromClient);
        }

        if (toClient != 0)
        {
            Interlocked.Add(ref _toClient, toClient);
        }
    }
}
