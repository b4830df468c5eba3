using OpenSag.Security;

namespace OpenSag.Gateway.Sessions;

/// <summary>
/// Runs password checks (PBKDF2-SHA512, 210,000 iterations: about 0.2 s of one core each) at most
/// <see cref="GatewayOptions.PasswordCheckConcurrency"/> at a time. Unbounded, a login storm puts every core on hashing
/// and the TLS handshakes, upgrades and reads of the other clients starve until they time out; bounded, the checks
/// queue (asynchronously, holding no thread) while at least one core keeps serving I/O.
/// <para>
/// The queue is fair per source, not first come first served (issue 9 item 7: 64 attacker connections from rotating
/// addresses made every legitimate login wait about 16 s behind them): a free slot goes to the best
/// <see cref="CheckPriority"/> waiting (but every <see cref="LowerPriorityTurn"/>th to a lower one), and within it to
/// the sources in turn (round-robin), each source's own checks in arrival order. So a legitimate first try waits for the checks already running, not for the attacker's queue,
/// and an attacker with many connections from one source gets one turn per round like everyone else. One source may
/// have at most <see cref="GatewayOptions.PasswordChecksPerSource"/> checks waiting or running; more are refused
/// (<see cref="PasswordCheck.SourceBusy"/>) without costing a slot.
/// </para>
/// A client waiting here is not on any deadline: the login deadline covers only reading its login message
/// (<see cref="ControlEndpoint"/>).
/// </summary>
public sealed class PasswordCheckGate(GatewayOptions options, Func<string, string, bool>? verify = null)
{
    /// <summary>
    /// Every 4th slot goes to a waiting <see cref="CheckPriority.SourceFailing"/> check even when clean ones wait: without
    /// it, an attacker with enough fresh addresses (each clean until its first failure) could hold back for ever a user
    /// whose own source failed once; with it, clean first tries still get three slots in four.
    /// </summary>
    public const int LowerPriorityTurn = 4;

    private static readonly int Priorities = Enum.GetValues<CheckPriority>().Length;

    private readonly Func<string, string, bool> _verify = verify ?? PasswordHash.Verify;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SourceLine> _lines = new(StringComparer.Ordinal);
    private readonly LinkedList<SourceLine>[] _turns = [.. Enumerable.Range(0, Priorities).Select(_ => new LinkedList<SourceLine>())];
    private int _running;
    private int _pending;
    private int _grantsSinceLower;

    /// <summary>Checks waiting for a slot or running now (for diagnostics and tests).</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Checks waiting for a slot, and checks running now (the <c>opensag.logins.password_checks</c> gauge).</summary>
    public (int Waiting, int Running) Load
    {
        get
        {
            lock (_gate)
            {
                return (_pending - _running, _running);
            }
        }
    }

    /// <summary>Sources with a check waiting or running (for tests: the gate keeps no state for idle sources).</summary>
    public int Sources
    {
        get
        {
            lock (_gate)
            {
                return _lines.Count;
            }
        }
    }

    /// <summary>Checks <paramref name="password"/> against <paramref name="stored"/> when its turn comes.</summary>
    /// <param name="source">The throttling key of the client's address (<see cref="LoginThrottle.SourceOf"/>).</param>
    /// <exception cref="OperationCanceledException">The client left while waiting; its place is given up.</exception>
    public async Task<PasswordCheck> VerifyAsync(string password, string stored, string source, CheckPriority priority, CancellationToken cancellationToken)
    {
        Waiter? waiter;
        SourceLine line;
        lock (_gate)
        {
            if (!_lines.TryGetValue(source, out line!))
            {
                _lines[source] = line = new SourceLine(source);
            }

            if (line.Pending >= options.PasswordChecksPerSource)
            {
                return PasswordCheck.SourceBusy;
            }

            line.Pending++;
            _pending++;
            if (_running < options.PasswordCheckConcurrency)
            {
                _running++;
                waiter = null;
            }
            else
            {
                waiter = Enqueue(line, (int)priority);
            }
        }

        var granted = waiter is null;
        try
        {
            if (waiter is not null)
            {
                using (cancellationToken.Register(() => Cancel(waiter, cancellationToken)))
                {
                    await waiter.Turn.Task;
                }

                granted = true;
                cancellationToken.ThrowIfCancellationRequested();
            }

            // On the thread pool, but never more threads than slots: the hash is synchronous CPU work.
            return _verify(password, stored) ? PasswordCheck.Match : PasswordCheck.Mismatch;
        }
        finally
        {
            if (granted)
            {
                Finish(line);
            }
        }
    }

    private Waiter Enqueue(SourceLine line, int priority)
    {
        var waiter = new Waiter(line, priority);
        waiter.Node = line.Waiting[priority].AddLast(waiter);
        if (line.Turn[priority] is null)
        {
            line.Turn[priority] = _turns[priority].AddLast(line);
        }

        return waiter;
    }

    /// <summary>Gives up a queued place; a waiter already handed a slot keeps it and gives it back in <see cref="Finish"/>.</summary>
    private void Cancel(Waiter waiter, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (waiter.Node is null)
            {
                return;
            }

            Unlink(waiter);
            Leave(waiter.Line);
        }

        waiter.Turn.TrySetCanceled(cancellationToken);
    }

    /// <summary>A check ended: its slot goes to the next waiter, best priority first, sources in turn.</summary>
    private void Finish(SourceLine line)
    {
        Waiter? next = null;
        lock (_gate)
        {
            Leave(line);
            _running--;
            var lowerFirst = ++_grantsSinceLower >= LowerPriorityTurn;
            foreach (var priority in lowerFirst ? Enumerable.Range(0, Priorities).Reverse() : Enumerable.Range(0, Priorities))
            {
                if (next is null && _turns[priority].First is { } turn)
                {
                    if (priority > 0)
                    {
                        _grantsSinceLower = 0;
                    }

                    next = turn.Value.Waiting[priority].First!.Value;
                    Unlink(next);
                    if (turn.Value.Turn[priority] is { } stillWaiting)
                    {
                        // The source has more at this priority: to the back of the round.
                        _turns[priority].Remove(stillWaiting);
                        _turns[priority].AddLast(stillWaiting);
                    }
                }
            }

            if (next is not null)
            {
                _running++;
            }
        }

        next?.Turn.TrySetResult();
    }

    private void Unlink(Waiter waiter)
    {
        var line = waiter.Line;
        line.Waiting[waiter.Priority].Remove(waiter.Node!);
        waiter.Node = null;
        if (line.Waiting[waiter.Priority].Count == 0)
        {
            _turns[waiter.Priority].Remove(line.Turn[waiter.Priority]!);
            line.Turn[waiter.Priority] = null;
        }
    }

    private void Leave(SourceLine line)
    {
        _pending--;
        if (--line.Pending == 0)
        {
            _lines.Remove(line.Source);
        }
    }

    /// <summary>One source's checks: how many it has waiting or running, its waiters per priority, and its place in each round.</summary>
    private sealed class SourceLine(string source)
    {
        public string Source { get; } = source;

        public int Pending { get; set; }

        public LinkedList<Waiter>[] Waiting { get; } = [.. Enumerable.Range(0, Priorities).Select(_ => new LinkedList<Waiter>())];

        public LinkedListNode<SourceLine>?[] Turn { get; } = new LinkedListNode<SourceLine>?[Priorities];
    }

    private sealed class Waiter(SourceLine line, int priority)
    {
        public SourceLine Line { get; } = line;

        public int Priority { get; } = priority;

        /// <summary>Set (on the thread pool, never inline under the lock) when the waiter is handed a slot.</summary>
        public TaskCompletionSource Turn { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Its place in the line; null once handed a slot or cancelled.</summary>
        public LinkedListNode<Waiter>? Node { get; set; }
    }
}

/// <summary>The outcome of a <see cref="PasswordCheckGate"/> check.</summary>
public enum PasswordCheck
{
    Match,
    Mismatch,

    /// <summary>Not checked: the source already has <see cref="GatewayOptions.PasswordChecksPerSource"/> checks queued.</summary>
    SourceBusy,
}
