using Xunit.Abstractions;
using Xunit.Sdk;

namespace OpenSag.Storage.Tests.Contract;

/// <summary>
/// A storage test that runs on every engine whose test class derives from the kit, and is reported as skipped, not
/// passed, on a class whose <see cref="StoreEngineAttribute"/> says the engine is not available here. A plain
/// <c>[Fact(Skip = …)]</c> cannot do this: the kit's methods are shared by every engine's class.
/// </summary>
[XunitTestCaseDiscoverer("OpenSag.Storage.Tests.Contract.StoreFactDiscoverer", "OpenSag.Storage.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreFactAttribute : FactAttribute;

/// <summary>The <see cref="StoreFactAttribute"/> of data-driven storage tests.</summary>
[XunitTestCaseDiscoverer("OpenSag.Storage.Tests.Contract.StoreTheoryDiscoverer", "OpenSag.Storage.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreTheoryAttribute : TheoryAttribute;

/// <summary>Put on an engine's test class: whether its engine can be tested on this machine.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public abstract class StoreEngineAttribute : Attribute
{
    /// <summary>Why the engine's tests are skipped here, or null to run them.</summary>
    public abstract string? SkipReason { get; }

    /// <summary>
    /// One skipped test case standing for the whole method (theory rows included). This test case type keeps the
    /// reason when xunit serializes test cases between discovery and execution, which a re-read attribute would not.
    /// </summary>
    internal static IXunitTestCase? SkippedOrNull(IMessageSink sink, ITestFrameworkDiscoveryOptions options, ITestMethod testMethod)
    {
        var engine = testMethod.TestClass.Class.ToRuntimeType()
            .GetCustomAttributes(typeof(StoreEngineAttribute), inherit: true)
            .Cast<StoreEngineAttribute>()
            .FirstOrDefault();
        return engine?.SkipReason is { } reason
            ? new XunitSkippedDataRowTestCase(sink, options.MethodDisplayOrDefault(), options.MethodDisplayOptionsOrDefault(), testMethod, reason)
            : null;
    }
}

public sealed class StoreFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        StoreEngineAttribute.SkippedOrNull(DiagnosticMessageSink, discoveryOptions, testMethod) is { } skipped
            ? [skipped]
            : base.Discover(discoveryOptions, testMethod, factAttribute);
}

public sealed class StoreTheoryDiscoverer(IMessageSink diagnosticMessageSink) : TheoryDiscoverer(diagnosticMessageSink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo theoryAttribute) =>
        StoreEngineAttribute.SkippedOrNull(DiagnosticMessageSink, discoveryOptions, testMethod) is { } skipped
            ? [skipped]
            : base.Discover(discoveryOptions, testMethod, theoryAttribute);
}
