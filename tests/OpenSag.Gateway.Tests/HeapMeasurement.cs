namespace OpenSag.Gateway.Tests;

/// <summary>
/// Tests that measure the whole process's heap (<see cref="GC.GetTotalMemory"/>) run alone: other test classes running
/// in parallel allocate meanwhile, and made "the heap grew by 54 MB over 100,000 users who all left" fail now and then.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapMeasurement
{
    public const string Name = "Heap measurement (run alone)";
}
