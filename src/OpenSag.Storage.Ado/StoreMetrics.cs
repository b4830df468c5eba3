using System.Diagnostics.Metrics;

namespace OpenSag.Storage.Ado;

/// <summary>
/// Write transactions on the <c>OpenSag.Store</c> meter, tagged <c>engine</c> (sqlite, postgres): how long each took
/// from its start to its commit (tagged <c>outcome</c> too: committed, failed) and how many writes it carried. SQLite
/// commits writes in batches (its group commit, up to 256 writes per fsync); on PostgreSQL each write is a transaction
/// of its own, a batch of 1. The duration histogram's count is the number of batches.
/// </summary>
public static class StoreMetrics
{
    public const string MeterName = "OpenSag.Store";

    /// <summary>Seconds from a batch's transaction start to its commit (or failure).</summary>
    public const string BatchDurationName = "opensag.store.write.batch.duration";

    /// <summary>Writes in a batch (unit {write}).</summary>
    public const string BatchSizeName = "opensag.store.write.batch.size";

    private static readonly Meter StoreMeter = new(MeterName);

    // A commit is one fsync: 0.1-1 ms on NVMe, 1-10 ms on SSDs and cloud disks, tens of ms on spinning or network
    // storage, and a batch of 256 indexed writes adds a few ms; so the buckets are dense from 0.25 ms to 50 ms, with a
    // tail to 5 s for a stalled disk or database.
    private static readonly Histogram<double> BatchDuration = StoreMeter.CreateHistogram(BatchDurationName, "s",
        "Time from a write batch's transaction start to its commit, by engine and outcome",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5] });

    // Powers of two up to the SQLite queue's MaxBatch (256): how well concurrent writers share a commit.
    private static readonly Histogram<int> BatchSize = StoreMeter.CreateHistogram(BatchSizeName, "{write}",
        "Writes committed together in one transaction, by engine",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });

    /// <summary>Records one batch that took <paramref name="elapsed"/> from its transaction's start to its commit or failure.</summary>
    /// <param name="engine">"sqlite" or "postgres".</param>
    public static void Batch(string engine, int writes, TimeSpan elapsed, bool committed)
    {
        var engineTag = new KeyValuePair<string, object?>("engine", engine);
        if (BatchDuration.Enabled)
        {
            BatchDuration.Record(elapsed.TotalSeconds, engineTag,
                new KeyValuePair<string, object?>("outcome", committed ? "committed" : "failed"));
        }

        if (BatchSize.Enabled)
        {
            BatchSize.Record(writes, engineTag);
        }
    }
}
