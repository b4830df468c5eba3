using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Prometheus;

namespace OpenSag.Cli.Metrics;

/// <summary>
/// Publishes our <see cref="System.Diagnostics.Metrics"/> instruments (meters whose name starts with
/// <see cref="MeterPrefix"/>; no runtime, Kestrel or process metrics) in a prometheus-net <see cref="CollectorRegistry"/>
/// of its own, which the <c>/metrics</c> endpoint writes in Prometheus' text format.
/// </summary>
/// <remarks>
/// <para>
/// Not prometheus-net's own <c>MeterAdapter</c> (8.2.1): it names a series <c>{meter}_{instrument}</c>
/// (<c>opensag_api_opensag_api_requests</c>), leaves the unit out of the name, exports counters as gauges and drops a
/// series that has not changed for 5 minutes, so an idle counter vanished from the scrape. Here the Prometheus name
/// is derived as OpenTelemetry's Prometheus exporters derive it (<see cref="PrometheusName"/>): the instrument's name
/// with '.' as '_', the unit as a suffix (<c>_seconds</c>, <c>_bytes</c>), <c>_total</c> on counters; so
/// <c>opensag.api.request.duration</c> in seconds is <c>opensag_api_request_duration_seconds</c>.
/// </para>
/// <para>
/// Counter and Histogram measurements go straight into their series (a dictionary lookup of the label values);
/// observable instruments are read at each scrape. A series of an observable gauge that its callback no longer
/// reports (an instance whose last session left) is removed at that scrape rather than left at its last value.
/// Histogram buckets come from the instrument's advice (<see cref="InstrumentAdvice{T}.HistogramBucketBoundaries"/>),
/// chosen where the instrument is declared; without advice, OpenTelemetry's default boundaries.
/// </para>
/// </remarks>
internal sealed class MeterBridge : IDisposable
{
    /// <summary>Meters published: ours only.</summary>
    public const string MeterPrefix = "OpenSag.";

    /// <summary>OpenTelemetry's default explicit bucket boundaries, for a histogram declared without advice.</summary>
    private static readonly double[] DefaultBuckets = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly MeterListener _listener = new();
    private readonly MetricFactory _factory;
    private readonly Func<Instrument, bool> _includes;
    private readonly Lock _collecting = new();
    private readonly List<Series> _observedGauges = [];

    /// <param name="includes">Which instruments to publish beyond the meter-name rule (tests narrow it to one
    /// <see cref="IMeterFactory"/>'s meters); null for every meter named <see cref="MeterPrefix"/>*.</param>
    public MeterBridge(Func<Instrument, bool>? includes = null)
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        _factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _includes = includes ?? (_ => true);
        _listener.InstrumentPublished = Publish;
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((Series)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((Series)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((Series)state!).Record(value, tags));
        _listener.Start();
        Registry.AddBeforeCollectCallback(CollectObservables);
    }

    /// <summary>The registry the <c>/metrics</c> endpoint exports.</summary>
    public CollectorRegistry Registry { get; }

    public void Dispose() => _listener.Dispose();

    /// <summary>
    /// The Prometheus name of an instrument, as OpenTelemetry's specification derives it ("Prometheus and OpenMetrics
    /// Compatibility"): every character outside [a-zA-Z0-9_:] becomes '_', the unit (UCUM) is appended in words unless
    /// the name already ends with it (annotations in braces, like <c>{request}</c>, and <c>1</c> add nothing), and a
    /// counter gets <c>_total</c>.
    /// </summary>
    public static string PrometheusName(string instrumentName, string? unit, bool counter)
    {
        ArgumentNullException.ThrowIfNull(instrumentName);
        var name = new StringBuilder(instrumentName.Length + 16);
        foreach (var c in instrumentName)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or ':' ? c : '_');
        }

        var suffix = unit switch
        {
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            "KiBy" => "kibibytes",
            "%" => "percent",
            _ => null,
        };
        if (suffix is not null && !name.ToString().EndsWith("_" + suffix, StringComparison.Ordinal))
        {
            name.Append('_').Append(suffix);
        }

        if (counter && !name.ToString().EndsWith("_total", StringComparison.Ordinal))
        {
            name.Append("_total");
        }

        return name.ToString();
    }

    private void Publish(Instrument instrument, MeterListener listener)
    {
        if (!instrument.Meter.Name.StartsWith(MeterPrefix, StringComparison.Ordinal) || !_includes(instrument))
        {
            return;
        }

        var series = new Series(this, instrument);
        if (series.IsObservedGauge)
        {
            lock (_collecting)
            {
                _observedGauges.Add(series);
            }
        }

        listener.EnableMeasurementEvents(instrument, series);
    }

    /// <summary>Before each scrape: reads every observable instrument, then drops gauge series nobody reported.</summary>
    private void CollectObservables()
    {
        lock (_collecting)
        {
            foreach (var gauge in _observedGauges)
            {
                gauge.BeginRound();
            }

            _listener.RecordObservableInstruments();
            foreach (var gauge in _observedGauges)
            {
                gauge.EndRound();
            }
        }
    }

    /// <summary>
    /// One instrument's Prometheus metric, made at its first measurement, when its tag names are known; a measurement
    /// with other tag names than the first is dropped (every instrument of ours always passes the same ones).
    /// </summary>
    private sealed class Series(MeterBridge bridge, Instrument instrument)
    {
        [ThreadStatic]
        private static string[]? t_labelValues;

        private readonly Lock _creating = new();
        private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
        private string[]? _labelNames;
        private Collector? _metric;

        public bool IsObservedGauge { get; } = instrument is ObservableGauge<long> or ObservableGauge<int> or ObservableGauge<double>
            or ObservableUpDownCounter<long> or ObservableUpDownCounter<int> or ObservableUpDownCounter<double>;

        private bool IsCounter => instrument is Counter<long> or Counter<int> or Counter<double>;

        private bool IsObservedCounter => instrument is ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double>;

        private bool IsHistogram => instrument is Histogram<long> or Histogram<int> or Histogram<double>;

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var metric = Volatile.Read(ref _metric) ?? Create(tags);
            var names = _labelNames!;
            if (tags.Length != names.Length)
            {
                return;
            }

            // A span over a per-thread buffer: prometheus-net finds an existing series from it without allocating (it
            // copies the values only to create a series). Record never runs nested on one thread.
            var buffer = t_labelValues is { } held && held.Length >= names.Length ? held : t_labelValues = new string[Math.Max(8, names.Length)];
            foreach (var tag in tags)
            {
                var index = Array.IndexOf(names, tag.Key);
                if (index < 0)
                {
                    return;
                }

                buffer[index] = Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "";
            }

            ReadOnlySpan<string> values = buffer.AsSpan(0, names.Length);

            switch (metric)
            {
                case Counter counter when IsObservedCounter:
                    // An observable counter reports its running total; IncTo never moves the series backwards.
                    counter.WithLabels(values).IncTo(value);
                    break;
                case Counter counter:
                    counter.WithLabels(values).Inc(value);
                    break;
                case Histogram histogram:
                    histogram.WithLabels(values).Observe(value);
                    break;
                case Gauge gauge when IsObservedGauge:
                    gauge.WithLabels(values).Set(value);
                    _reported.Add(string.Join('\u001f', values));
                    break;
                case Gauge gauge:
                    gauge.WithLabels(values).Inc(value);
                    break;
            }
        }

        public void BeginRound() => _reported.Clear();

        /// <summary>Removes the series the callback did not report this round (an instance with no session left).</summary>
        public void EndRound()
        {
            if (_metric is not Gauge gauge)
            {
                return;
            }

            foreach (var labels in gauge.GetAllLabelValues().ToList())
            {
                if (!_reported.Contains(string.Join('\u001f', labels)))
                {
                    gauge.RemoveLabelled(labels);
                }
            }
        }

        private Collector Create(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var names = new string[tags.Length];
            for (var i = 0; i < tags.Length; i++)
            {
                names[i] = tags[i].Key;
            }

            lock (_creating)
            {
                if (_metric is not null)
                {
                    return _metric;
                }

                var help = string.IsNullOrEmpty(instrument.Description) ? instrument.Name : instrument.Description;
                var factory = bridge._factory;
                var name = PrometheusName(instrument.Name, instrument.Unit, IsCounter || IsObservedCounter);
                // Labels must be Prometheus names too: a tag "smartag.id" is the label smartag_id.
                var labelNames = names.Select(n => PrometheusName(n, null, counter: false)).ToArray();
                Collector metric = IsCounter || IsObservedCounter ? factory.CreateCounter(name, help, labelNames)
                    : IsHistogram ? factory.CreateHistogram(name, help, labelNames, new HistogramConfiguration { Buckets = Buckets(instrument) })
                    : factory.CreateGauge(name, help, labelNames);
                _labelNames = names;
                Volatile.Write(ref _metric, metric);
                return metric;
            }
        }

        private static double[] Buckets(Instrument instrument) => instrument switch
        {
            Histogram<double> { Advice.HistogramBucketBoundaries: { } bounds } => [.. bounds],
            Histogram<long> { Advice.HistogramBucketBoundaries: { } bounds } => [.. bounds.Select(b => (double)b)],
            Histogram<int> { Advice.HistogramBucketBoundaries: { } bounds } => [.. bounds.Select(b => (double)b)],
            _ => DefaultBuckets,
        };
    }
}
