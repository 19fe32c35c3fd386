"""How the snippet matrix stays fast: the one performance design, in one place.

In short (as of 2026-12-04): the matrix runs a sandbox only for what it has not seen.
Of 6,665 (snippet, release) pairs, 996 run (about 400 of them only write a file, no
sandbox) and the rest reuse an identical run, found by hashing the built host
(:func:`key`) or by comparing what a traced run read (:func:`recall_read`); 100
reused pairs are re-run in full each session and compared (:func:`check_pairs`).  A
run is traced only where the next release is likely to reuse it
(:func:`worth_tracing`).  Below that, three devices each save about a tenth or more:
one tool-server worker per sandbox, recycled host directories and the sandbox's own
``/etc`` (loader cache, locale archive) that keeps traced records short.  Where the
time goes and what was tried follows, oldest first; the matrix still takes two to three
times its 15 s target on two cores (``make bench``), and the last paragraph says why
this design cannot reach it.

A run costs a sandbox (bubblewrap, namespaces, tmpfs trees filled by the tool
server): measured on 2026-12-02 (2 shared cores, load 5-8, cProfile of 120 items of
``verify.py``) an item costs ~170 ms wall, of which ~130 ms is the sandbox (start
~25 ms, attach to the tool server ~15 ms, bash and the tool calls ~85 ms) and
~30 ms building the host; ~52 ms of CPU in all.  So the matrix must grow with the
number of *distinct* runs, not of (snippet, release) pairs (called items below; the
pytest plugin runs all the pairs of one snippet and vendor in one test item, see
:mod:`nested_snippets.pytest_plugin`).  Items share a run when
what the run can observe is identical, which is computed in two ways, never
declared, and checked:

1. **The built host.**  :func:`key` hashes the built fake host's state (module
   tables, CPU, command line, the kernel's resolved log messages and
   version-dependent behaviour, loaded modules, the log), the files written into its
   root, and the bodies that run.  The fake tools read nothing but the state and the
   root (they run where the package and its data are not visible), so equal keys
   mean equal inputs.  This key serves every item, procedures and fake tool calls
   included, but the state differs between most releases (38 of the 40 for
   ``intel`` and ``amd``, 19 ``s390x``, 12 ``power``, 13 ``arm64``).
2. **What the run read.**  An item that runs commands (a transcript, or a procedure:
   steps that only run commands share the sandbox of the step before them, see
   :func:`.run._observe_all`) runs each of its sandboxes under strace the first time
   (:data:`sandbox.TRACE`), and each of its fake tool calls records what it read; so do
   the runner's own steps between two sandboxes: a reboot notes what it reads of the
   state as a tool call does (``FakeHost.reboot``), and the harvest that keeps a
   sandbox's writes for the next one records why not when it took a value the snippet
   wrote to a parameter (``toolserver.HARVEST``).  strace records every path the
   snippet's processes opened, listed, looked up or executed (:func:`read_paths`), and
   how many tool calls they made.  A tool call is handed a view of the fake kernel's
   state, never the state itself (:class:`.fakehost.reads.StateView`): each part it is
   handed (a field, one module's parameter table, the names of the loaded modules, one
   parameter value, one log message ...) is noted with the value it had, a container
   before it is changed, and every file the call opened or listed under the trees is
   noted by a Python audit hook; the records go to ``reads.marshal`` beside the state
   (:mod:`.fakehost.reads`, :func:`tool_reads`).  A run vouches for what it read when
   the trace is complete, never entered a tree, and there is one record for each tool
   call, none of which says why not (a value the snippet wrote to a parameter taken into
   the state, an internal error, a relative path).  Then what it saw is the root (part
   of :func:`group`: same start state, files and bodies, the files a first step writes
   included), those paths of the trees (``/sys``, ``/proc``, ``/lib``, ``/dev``) and
   those parts of the state.  A later item of the same group shares the run when each
   noted part of the state has the same value on its built host, and each path shows the
   same kind, mode and content or listing, or is absent in both (:func:`look`, on
   :func:`.fakehost.state.trees`: the description of the trees that the sandbox's first
   fill writes, so nothing is written to look).

   Why that is enough, by induction over the run's steps: the later run starts from
   a host equal in everything the first one read, so its first step gets the same
   answers and does the same.  A tool call that changes the state (``modprobe``,
   ``rmmod``, ``update-grub``) writes values computed from what it read; a change
   to a list (a module inserted, a log line appended) follows a noted read of that
   list, so the new list is a function of noted values too.  A later read of a part
   the run changed sees a value the run made, the same in both runs, so only reads
   whose value was the built host's are compared (a read whose value differs from
   the built host's must see a write of the run).  Files work the same way: a
   file either still holds what the host was built with (compared) or what a step
   of the run wrote.  Two readers are not noted, each for its own reason.
   :func:`~.fakehost.state.materialize`'s file accesses: it rewrites the trees to
   show the state (whose reads are noted), whatever they held.  The harvest at
   the start of each call, which reads the writable parameter files back into the
   state: a file nobody wrote holds the state's value, so it changes nothing; a
   file the snippet wrote is in the trace (its first content compared); and any
   call whose harvest changed the state is not shared.  Writing the trees after a
   call skips the modules whose entry the call left unchanged
   (:func:`.fakehost.reads.unchanged`, decided by the call's own writes).
   Measured on 2026-12-02 on ``verify.py`` (630 items, one process): 408 runs
   before, 116 with the tool read-sets (the rest read a parameter table that
   changed, or load a module whose table did); ``enable.py``'s 1,008 snippet
   items: 237 runs.

   Reading names from the record: every string of a traced call counts, resolved
   against the calling process's working directory (:func:`read_paths`); a record
   that names a file relative to a directory descriptor or changes directory by one
   (in the sandbox strace cannot name a descriptor's directory: its /proc is the fake
   one), asks a file system's free space, holds a cut string, goes up (``..``) from a
   symbolic link or failed to execute a program that may exist (the kernel looks up
   its ``#!`` interpreter unnamed) vouches for nothing; a thread (``CLONE_FS``) that
   changes directory too, and calls the runner's strace does not know are denied
   (:data:`.seccomp.UNKNOWN_TO_STRACE`); review of 2026-12-03 (session 10).  Since
   the review of 2026-12-05 (session 18) a record also vouches for nothing where it
   executed a program that is neither the machine's (``/usr``) nor a fake tool (its
   interpreter is looked up unnamed too: :data:`_EXEC_DONE`) or asked a file system's
   free space through a descriptor (``fstatfs``, now traced; ``ustat`` is denied);
   a path below a parameter's file notes the parameter's row (:data:`_PARAM_PATH`);
   and an item whose snippet text holds its own release name shares by nothing it
   read (:func:`.run.run_item`: the placeholder would take a typed name for each
   release's own; a name built at run time stays the limit described below).
   Not compared: timestamps and inode numbers of the trees' files, and how many
   more files a tree can hold (see "Known limits" below).

   Parameter tables are read row by row (:mod:`.fakehost.reads`): loading a module
   copies each value from its own row without noting it, and a value's row is noted
   when a tool call reads the value or the run opens its sysfs file
   (:func:`row_reads`); the trees are written from the bare state, their files being
   observed only through the paths the run opened.  Measured on 2026-12-02 (session
   6, one process): ``enable.reload_nested`` on Intel 45 releases 33 -> 10 runs, on
   AMD 38 -> 20; ``enable.one_shot`` on Intel 10 runs (every shared item re-run in
   full agreed).  An opened file notes only what decides it
   (:data:`.fakehost.reads.SYSFS`: the row's name, type, permission, default and
   required CPU flags), not what only ``modinfo`` shows: measured on 2026-12-05
   (session 18, ``pytest -n 2`` of the matrix), 983 -> 956 runs, most of them releases
   that moved a parameter to another source file or reworded its description, which
   the bug-report items' ``grep -H .`` of every file had counted.

   In both keys the release name (``6.6.0-fake-amd64``; ``6.6.0-fake-s390x``... on
   other architectures, whose state and group keys differ anyway) is replaced by a
   placeholder and put back into the shared output, so releases whose behaviour is the
   same share; this treats the release as a name, which a snippet that computes on it
   (``uname -r | cut -d. -f1``) would break: the checked pairs below catch that.
   The placeholder keeps the name's length (:func:`placeholder`): a file or output
   that holds the name differs in size by it (``wc -c < /proc/version``: 55 bytes on
   4.20, 54 on 5.0; found by the review of 2026-12-02).  Putting the length into
   both keys instead cost 261 more runs (948 -> 1,209) the same day; the placeholder
   1,125, and reading the command line by the words a tool uses (the options it
   gives a module, the early parameters, the module options ``modprobe -c`` lists:
   keys ``cmdline_options``, ``cmdline_early``, ``cmdline_modules`` of
   :mod:`.fakehost.reads`, rather than the whole line, which holds the release in
   ``BOOT_IMAGE``) brought it to 1,008.
   Both tables live in the memory of one test process only: nothing is carried
   between test runs.

   A traced run pays only when a later item of its group is served by it, and costs
   two to three times an untraced one (ad hoc on 2026-12-04, ``getrusage`` around 15
   runs of the bug-report transcript's 9 commands on Intel 6.6, load 6: 269 against
   89 ms of CPU).  So a run is traced only where the item's next release agrees with
   this one on everything the group's last traced run read (:func:`worth_tracing`,
   :func:`agree`: the next release's host is built and looked at, not run); a group's
   first run is traced, an item's last release never is.  Until 2026-12-04 (session
   15) a deficit rule traced a group while its traced runs served about as many items
   as they numbered and then less and less often: in the whole matrix 518 of the 1,026
   runs were traced and 145 of those served no item (counted by instrumenting one
   single-process run of the matrix; 78 of them in the bug-report, distribution-kernel
   and ``modinfo`` items, which read every parameter).  With the rule here, measured
   on 2026-12-04 with ``tools/bench.py --only-matrix --no-write`` alternated with the
   tree before (2 cores, load 2.8-5.4, helpers' jobs on the same cores): 1,026 runs,
   101.9 and 91.8 s of CPU (100.7 and 81.6 s wall) before; 996 runs, 82.4 and 81.1 s
   of CPU (85.2 and 84.0 s wall) after (-16 % CPU; the runs saved are releases now
   served by a run that the deficit rule had left untraced); about 470 runs traced, 46 of
   which served no item.  ``bugreport.py``, ``verify.py`` and ``distro_kernels.py``
   in one process, two rounds each: 51.9 and 60.0 s of CPU before, 43.5 and 51.2
   after.
3. **Checked sharing: random pairs re-run in full.**  Every item that used a
   shared result is remembered with the result it used.  When the test process
   ends (:func:`check_pairs`) it re-runs up to :data:`MIN_CHECKED` of them in full, untraced
   -- :data:`MIN_CHECKED` in each test process (or all it has), so the session
   re-runs at least that many however unevenly xdist spreads the shared items over
   its workers -- and compares each with the result it used; a difference fails the
   session and names both items.  Which ones is decided by a seed
   (``NKG_SHARE_SEED``, else drawn at random) printed in the session summary: each
   shared item is ranked by ``sha256(seed, item)`` and the lowest ranks are re-run,
   so the same seed re-runs the same items of a process.  ``NKG_NO_SHARE=1`` turns
   sharing (and tracing) off: every item runs in full.

The whole matrix, measured on 2026-12-02 (5,473 items, 40 releases, ``pytest -n 1``
on 2 cores shared with other jobs, load 7-13): 3,570 runs and 1,819 shared items (50
re-run in full: all agreed), 84 syntax-checked; 1,890 s wall, 376 s CPU (134 s user,
242 s system).  The built-host key alone gives 4,626 distinct runs for the same
items (counted by building every item's host).  At ~100 ms of CPU a run, 15 s on 2
cores allows ~300 runs (at the ~60 ms of 2026-12-03, session 12 below, ~500, less the
test process's own share).  Again on 2026-12-02, ``nice pytest nested_snippets/snippets
-n 2 -q -p no:cacheprovider`` under ``/usr/bin/time``, 42 releases: before the tool
read-sets (5,820 items, load 1-8): 3,823 runs, 1,909 shared, 88 syntax-checked;
620 s wall, 514 s CPU (219 user, 295 system).  With them (5,960 items, the tree
had grown; load 2-6): 2,145 runs, 3,726 shared (100 re-run in full: all agreed),
89 syntax-checked; 299 s wall, 341 s CPU (152 user, 189 system).  Among the runs
(counted from the registry, not from this session): ~390 items that only write a
configuration file (no sandbox), and up to ~950 procedure items (several sandboxes
each), which share only by the built host.

Devices below this design, each kept only for a measured saving of at least a
tenth.  Measured on 2026-12-01 (not re-measured here): the tool server forks a
process that has imported everything for each call (~17 ms wall against 105-450 ms
for a Python start-up), and a used host directory is emptied and reused (an item
costs 108 ms with it against 128 ms with a fresh directory, -16 %).  The state is
stored with ``marshal`` (0.3 ms a round trip, no more complex than JSON).
Re-measured on 2026-12-04 (session 17; CPU time of the test process, 2 cores loaded by
other jobs): a host build with its directory recycled 0.73 and 0.86 ms, with a fresh
directory made and removed 1.83 and 2.10 ms (300 builds each, two rounds alternated);
with a run of four commands in it, 4.4 and 5.5 against 8.4 and 12.8 ms (40 each).  At
~7,300 builds a matrix (its items, the next releases :func:`worth_tracing` looks at,
the checked pairs) that is 8-9 s of the ~89 s of CPU one process takes: about a tenth,
kept.  ``marshal`` against ``json`` for the state of Intel 6.6 (13 kB): 0.056 against
0.187 ms a round trip, ~1.5 % of the matrix at ~10,000 reads and writes: no longer a
device by the rule above but the storage format, kept because ``json`` would hand the
tools lists where the state holds tuples (the change tests compare the two).  Measured
on 2026-12-02 (CPU time of ``pytest -n 0``, load 3-6): saving the state after a
tool call rewrites only the sysfs directories of modules whose entry changed
(``enable.py``: 557 runs and 84 s against 691 runs and 96 s, -13 %).  Measured on
2026-12-02 (session 6, ``verify.py``, 645 items, one process, load 2-4): looking at
the description of the trees instead of trees written to a scratch directory and
read back, 80 s -> 31 s wall with the same 118 runs (a written tree cost ~36 ms an
item and its removal ~10 ms; the scratch directory is gone).  Measured on
2026-12-03 (session 10, the whole matrix, ``pytest -n 0``, CPU time of the process
and its children, two runs each, alternated, load 1-3): the kernel data's directory
listing is kept until the directory changes (:func:`nested_snippets.kernel._listing`;
each item resolved its release ~3 times, each resolution listed the directory and
sorted it), 156.0 and 152.8 s against 136.3 and 124.2 s (-16 %), the same 1,026
runs.  (Session 6 had tried caching only the listing, on ``verify.py``: noise.)  The
same day,
procedures whose later steps only run commands take one sandbox (``tutorial.py``,
``bugreport.py``, ``builtin.py``: 390 runs -> 309, as they now also share by what they
read).  Tried the same
day and dropped for saving less than a
tenth on ``verify.py``: keeping the scratch trees of the last 128 built states
(20.7 against 20.6 s), remembering each scenario's built state so that a shared
item builds no host (18.7 against 17.6 s), caching the kernel-data directory
listing and ``version_key`` (17.5 against 16.2 s and 18.7 against 17.8 s: noise).

Procedures of several sandboxes (a step that reboots or writes a file starts a new
one) share by what they read since 2026-12-02 (session 7): a further sandbox is
filled from a state the run changed, which the induction above covers once the
reboot's reads are noted and a harvested value refuses.  Measured the same day, one
process: ``enable.persistent_reboot`` 84 -> 29 runs, ``tutorial.host_setup`` 84 ->
30, ``security.switch_off`` 84 -> 29, ``builtin.fedora`` 84 -> 45 (every shared item
re-run in full agreed).  Two fake-tool changes followed, found by comparing the
read-sets of neighbouring releases: ``modinfo -n`` no longer reads the parameter
table it does not print (``builtin.fedora`` 45 -> 12 runs in all), and
:mod:`.fakehost.runtime`'s rules read unnoted the rows that decide only their own
parameter (as the copy from the row is), so loading ``kvm_amd`` no longer depends
on rows such as ``sev_snp`` that a later release added (``enable.reload_nested`` on
AMD 6.10-6.18: 5 runs -> 1).

Known limits, found by the adversarial review of 2026-12-02 (session 7, 30 attacks;
reproductions in ``tests/test_review_s7_share.py``, each an xfail(strict) that a fix
turns into an XPASS): a shared result comes from a traced run, and a snippet can
tell that it is traced (``PTRACE_TRACEME`` fails) or race differently under it, so
such a snippet would be given the traced run's output; no snippet of the guide does
(each passes when traced), and the checked pairs run untraced.  So would one that
prints ``$PPID``: a traced command's ``bash`` is strace's child, an untraced one PID
1's (review of 2026-12-04, session 16; a strict xfail in
``tests/test_review_s16_locale.py``).  (Process IDs were a
third way, the natural one: strace's own processes take 4 PIDs of the sandbox's PID
namespace per command, so ``echo $$`` showed 7 traced and 3 untraced; untraced
commands now take as many first, :data:`.sandbox.TRACE_PIDS`.)  tmpfs
numbers inodes one after the other per mount, so a file's number counted the files
written before it, parameters whose rows the run never read among them (``stat -c
%i`` of ``kvm.halt_poll_ns`` on an AMD host: 31 on 6.10, 32 on 6.11); each tree now
starts its numbers at a random place (``toolserver._shift_inodes``), so no snippet
can show one as meaningful, but the difference between two numbers, and the number
of files a tree can still take, still count unread rows.  Closing these needs either
an untraced run that confirms each shared result (about one more run for each one
that is used) or trees whose free inodes do not depend on unread rows.

The whole matrix by ``make bench`` on 2026-12-03 (session 10; 6,661 pairs, 265 items, 45
releases, the same 1,026 runs): 115.7 s wall and 187 s CPU with ``-n 2`` (192.5 s in one
process) at the session's start; 58.5 s wall and 96.5 s CPU (103.4 s in one process)
after the kernel data listing above, the machine's ``ld.so`` cache in the sandbox
(:data:`.sandbox.LD_CACHE`: a traced record had been mostly the loader's failed
lookups under ``/lib``) and the trace reader's cheaper line tests.  The machine's
speed varied by half that day (the ``sum(range(10 ** 7))`` yardstick 0.19 to 0.31 s).
Still ~4x the 15 s target: ~800 sandboxes at 60-90 ms of CPU each.

What remains to do: the checked pairs cost ~100 runs a session on two workers;
snippets that read every parameter (``bugreport.collect_*``: ``grep -H .
/sys/module/kvm*/parameters/*``) run once per distinct table and release-name
length, 94 runs each at the end of session 7 (997 in all, ``make bench``), each
traced (a traced run costs about twice an untraced one there).

Where one run's CPU time goes.  On 2026-12-02 (2 cores, load 5-13, ``getrusage``):
a Python process making the same namespaces and mounts as bubblewrap and pivoting
cost the same as bubblewrap, so a "zygote" that keeps the supervisor alive would save
only PID 1's start; ``ctypes`` and ``signal`` cost PID 1 another 10 ms until
:mod:`.pid1` imported their C halves (``power.py`` with ``NKG_NO_SHARE=1``, 207 runs,
one process, alternated twice: 27.0 -> 20.9 s of CPU time); strace, on traced runs,
adds 5 to 13 ms.  So 15 s on 2 cores cannot come from cheaper runs alone: it needs a
few hundred runs, and the test process's own ~17 ms an item outside the sandbox (host
building, pytest) cut as well.

Measured on 2026-12-03 (session 12) with ``tools/bench_run.py``, which prints the
date, the load and the yardstick with each figure: ``single`` is the CPU time of a
run of ``lsmod | head -2`` in one host, over 41 or 61 runs (the runner's, bubblewrap's and
everything in the sandbox, the tool server's and its calls'), ``file`` the CPU time
of ``pytest -n 0 nested_snippets/snippets/power.py`` with ``NKG_NO_SHARE=1`` (207
runs).  At the start (load 1-3, yardstick 0.31 s): ~75 ms a run, of which the
runner ~4, the sandbox's processes ~43 (bubblewrap with its 151 static mount
arguments ~7, of which the arguments ~3 against a sandbox of ``/usr`` alone; PID 1's
``python3 -I -S`` ~14 bare and ~16 with its imports; the ``_fill`` client ~3; the 4
padding forks ~3; the command ~4 for ``true``, ~8 for ``lsmod | head -2``), the tool
server ~30 (attach ~4, ``_fill`` ~7 in its call process, of which entering the
namespaces ~1.3, the inode limits, shift and root copy ~3, ``materialize`` ~2; the
``lsmod`` call ~5; detach with the harvest and copy back ~6; each call's fork and
exit ~3).  The server now fills the trees at attach, in the child that makes the
listener, once the sandbox's first process has said that it runs (its mounts are
then complete): no ``_fill`` client in the sandbox, no connection, one fork fewer
(:data:`.pid1.FILL_PIDS`).  Measured alternately with the tree before (2 loaded
cores, load 3-5, yardstick 0.22-0.64 s; CPU time on these cores varied by a fifth
between identical runs): ``file`` 18.5, 16.3, 15.3, 15.8, 18.1, 16.7, 15.0 and 11.7 s
before (mean 15.9), 14.6, 12.4, 12.6, 16.0, 16.4, 12.3 and 12.1 s after (mean 13.8,
-13 %); ``single`` (its writes kept, so its detach harvests) medians of 41 runs 68.5
and 64.3 ms before, 61.7 and 62.9 ms after; ``single --discard`` (no harvest, as an
item of one sandbox) means of 61 runs 70.8, 66.5 and 64.4 ms before, 54.5, 60.5 and
61.9 ms after (-12 %).  What a tool call costs (a command of 20 ``lsmod`` calls
against one of none): ~7 ms in the server (the Python work ~1 ms; entering the
namespaces ~1.3; the fork, the pages the call copies on write and the exit ~4) and
~3 ms for the client in the sandbox, which is what the fill saves, less a padding
fork (~0.7 ms).

Since 2026-12-03 (session 13) the child that fills a sandbox's trees stays as the
sandbox's worker (:mod:`.fakehost.toolserver`): it serves every call of the sandbox in
its own process, having entered the namespaces and opened the state once, and keeps the
writes at detach; the server forks nothing else.  Measured with ``tools/bench_run.py
single``, alternated with the tree before (load 3-5): 20 ``lsmod`` calls in one
command 259 and 235 ms of CPU a run before, 158 and 142 after (a call ~10 -> ~5 ms, of
which the client's ``bash`` ~3); ``lsmod | head -2`` with its writes kept 79.6 and 77.1
ms before, 67.2 and 64.6 after (-16 %: the harvest's fork, ``setns`` and imports are
gone).  The whole matrix makes only ~1,700 tool calls (counted the same day: 422
``modprobe``, 314 ``dmesg``, 293 ``lscpu``, 284 ``lsmod``, 282 ``uname``, 98
``modinfo``), so the calls' share of it was small; the harvest, one per kept sandbox,
is paid by every run.

Tried and dropped the same day, each under a tenth of a run: fewer mount arguments
(all 151 static ones cost ~3 ms: ``bwrap`` with them and ``true`` 6.6 ms, with
``/usr`` alone 4.0 ms); starting bubblewrap through ``setpriv`` so that the runner,
as root, need not fork itself (``subprocess`` forks instead of ``vfork`` when given
a user: 3.9 against 2.6 ms at the test process's ~58 MB, ~2 %); the inode shift with
``O_TMPFILE`` (0.65 against 0.87 ms a fill); padding PIDs with threads instead of
forks (``power.py`` 15.0 and 15.4 against 16.3 and 15.7 s, ~4 %); remembering each
state value within one :func:`recall_read` (profiled only: ~1 s of the test
process's ~7 s on ``power.py`` and ``verify.py`` shared, a few % of the whole).
PID 1 has been Perl since 2026-12-03 (session 14; :mod:`.pid1`): the Python PID 1
(``python3 -I -S`` ~12-14 ms bare, ~16 with its imports; no interpreter flag changed
it) was the largest part of a run.  Measured with ``tools/bench_run.py single
--command true --discard`` (41 runs each, alternated with the tree before, 2 cores
loaded by other jobs, load 3-5): means 67.2 and 65.5 ms of CPU time a run before,
42.2 and 43.5 ms after (-35 %).
The whole matrix, ``tools/bench.py --only-matrix --no-write`` the same day (6,662
pairs, 266 items, 1,026 runs; helpers' jobs on the same cores, load 1.5-3.4): 150.9 s
wall, 171.3 s CPU before; 131.1 s wall, 151.0 s CPU after (-12 % CPU).  Where a run's
time goes now (ad hoc, ``getrusage`` around 40 runs of ``true``): the runner ~5 ms,
bubblewrap with PID 1 and the command ~20, the tool server's fill and detach ~12;
each further command of a run ~7 ms untraced (PID 1's fork, four padding forks ~2 ms,
``bash`` ~2) and ~11 traced.  The bug-report items (9 commands, every parameter file
read, so one run per release: ~42 runs an x86 item) take ~80 s of the ~230 s that the
two workers spend on items (``--durations``).
A traced run costs by the lines of its record: strace stops the process at each call
it records, ~100 us a stop in the sandbox (ad hoc, 2026-12-04: 20 ``bash -c true``
under one strace in a sandbox, 268 and 319 ms before the change below, 123 and 169
after).  Half of a record said nothing about the fake host: under ``LANG=C.UTF-8``
every process that calls ``setlocale`` opened the 13 category files of Debian's
``C.utf8`` directory one by one, each after a failed try of ``C.UTF-8`` (~50 lines a
process), and the gate's loader looked for ``libc.so.6`` in each ``glibc-hwcaps`` and
``tls`` directory (20 lines a command).  Since 2026-12-04 (session 16) the sandbox
shows an archive built from the machine's own locales (:data:`.sandbox.LOCALES`: one
file a process, the same data) and the gate's C library is preloaded by its path
(:data:`.sandbox.GATE_PRELOAD`): the bug-report commands' record 1,701 -> 830 lines,
``true``'s 104 -> 46.  The whole matrix, ``tools/bench.py --only-matrix --no-write``
alternated with the tree before (2 cores, load 0.9-3.1): 55.4 and 57.0 s wall, 92.6
and 95.5 s CPU before; 46.7 and 51.0 s wall, 78.0 and 85.2 s CPU after (-13 %), the
same 996 runs.  Counted the same day by wrapping ``sandbox.run`` in one
single-process run of the matrix (ad hoc): 485 of the 788 sandboxes traced, 1,547
commands in 45.4 s of wall time (29 ms a command) against 1,710 untraced commands
in 21.8 s (13 ms); before the change, 58.9 s for the same traced commands.  And by
``pytest --junitxml`` of the matrix with two workers at the session's start (ad
hoc): the bug-report items took 37.2 s of the 88.6 s the workers spent on items,
with 225 of the 996 runs.  Building a host, as every item does, ~0.9 ms of CPU (ad
hoc, 300 builds of Intel 6.6 in one process).  What a traced command still costs
beyond an untraced one is mostly strace's own start (~6 ms in the sandbox, ad hoc: 20
``strace true``, 130 ms) and its stops in ``bash``'s start-up and the loader's.
Since 2026-12-04 (session 17) PID 1 starts ``bash`` by its path with ``$0`` given
(:func:`.sandbox.bash_path`), so neither it nor bash (for ``$BASH``) searches ``PATH``
for bash, and each command has ``SHELL`` set as a login sets it
(:data:`.sandbox.ROOT_SHELL`), so bash no longer asks the C library for root's entry
(nscd's socket twice, ``nsswitch.conf``, ``passwd``): ``true``'s record 46 -> 25
lines, the bug-report commands' 830 -> 653.  Ad hoc, the nine bug-report commands in
one sandbox, 15 runs each alternated with the tree before (2 cores, load 1.3-1.5):
traced 163.4 -> 145.8 ms wall (136.4 -> 121.0 ms CPU), untraced unchanged (62.0 and
62.4 ms).  With ``tools/bench_run.py single --discard`` and those nine commands as nine
``--command``, 21 runs each, alternated with the session's start tree (2026-12-04,
yardstick 0.11 s): traced, CPU means 139.0 and 130.3 ms before, 120.4 and 119.5 ms
after (-11 %; with the read-only ``/lib64`` binds of the same day); untraced 60.6 and
62.3 against 62.2 and 57.2 ms.  Each stop costs ~90 us, strace's start ~2.7 ms a
command (the same nine commands under strace tracing no call: 108.8 ms).  Looked at
the same day and left: creating a file where one was just removed costs ~0.8 ms of
CPU on this machine's
``ext4`` (mounted with ``discard``) against ~0.01 ms on a tmpfs, and every host build
writes ``/etc/default/grub`` so; host homes under ``/dev/shm`` (``TMPDIR``),
``bugreport.py`` and ``verify.py`` in one process, two rounds alternated: 34.3 and
32.6 s CPU on ``ext4``, 32.5 and 32.7 on the tmpfs, within the noise.

Tried and dropped the same day, each measured on the whole matrix with
``tools/bench.py --only-matrix --no-write`` alternated with the tree before: letting
strace read a tracee's strings with ``process_vm_readv`` (the seccomp filter denies it,
so strace reads them a word at a time with ``PTRACE_PEEKDATA``): 46.2 against 47.2 s
wall, 78.1 against 79.1 s CPU, no gain, and the filter keeps denying it.  Tracing a run
only where the item's next two releases agree (instead of the next one), so that a
traced run serves two items or more (of 274 runs traced by the next release's
agreement, 19 had served none and 74 one): 996 -> 1,068 runs, 75.2 and 86.6 s CPU
before, 74.3 and 91.4 after (load 3.3-3.8): no gain.  Not tried, for a reason: one
strace for a whole run instead of one per command (~6 ms each) would have to outlive
each command, but PID 1 ends each command by killing every other process of the
namespace (``kill -1``, the only way to reach a process that left the command's
process group without a ``/proc`` to list them); a strace that is PID 1 itself would
shift every process ID of a traced run against an untraced one.

What remains, by size: the ~10 ms of each tool call, bubblewrap's ~7 ms, and the test
process's own share (``power.py`` shared: host building ~4 ms an item under the
profiler, recall ~2.5 ms; ``bashlex`` builds its parser tables at each import, ~0.8 s
a process in the profile: bashlex 0.18's own copy of PLY's ``yacc()`` has no code that
reads a stored table, so its ``parsetab.py`` is never used; 0.28 s an import without
the profiler, 2026-12-04, once in each process that parses shell text).

Where the time goes, 2026-12-05 (session 18; 2 cores, load 0.3-1.6 before helpers'
jobs started, yardstick 0.11 s): the matrix took 35.1 s wall and 54.1 s of CPU with
``-n 2`` (``tools/bench.py --only-matrix --no-write``), 983 runs, then 956 with the
sysfs projection above.  ``tools/bench_run.py single --discard``, 31 runs each: a
sandbox running ``true`` costs 24.9 ms of CPU, one running ``true`` nine times 53.9 ms,
so ~21 ms a sandbox and ~3.6 ms a further command (PID 1's fork, the four padding
forks, ``bash``).  Counted ad hoc (a ``getrusage`` plugin and ``cProfile`` around one
single-process run of the matrix): the sandboxes, the tool server and their processes
take about four fifths of the CPU time, the test process the rest; of the test
process's ~19 s under the profiler, building and recycling the 7,019 hosts ~7.5 s
(about 4 s of it their disk part: directories, ``/etc/default/grub``, the state file,
the recycling), the key and recall of shared items ~2.5 s.  Estimated from these
figures, none of the levers left saves a tenth: building the hosts of shared items in
memory only (~2-2.5 s of ~54), re-running 50 checked pairs a session instead of 50 a
worker (~2 s), dropping the padding forks (~6 s, but then ``echo $$`` differs traced
and untraced; ``clone3``'s ``set_tid`` needs ``CAP_SYS_ADMIN`` in the sandbox's user
namespace, which PID 1 must not hold).  The bug-report items, which read every
parameter file, are near their floor: their read-sets give ~29 distinct runs an x86
item over 45 releases (counted ad hoc from the built hosts' trees), against ~36 before the
projection.

By program, 2026-12-05 (session 19; ``tools/bench_run.py profile``: the matrix under
``perf record -F 1000`` of its own process tree; 1,069 runs; load 3, yardstick 0.13 s):
71.9 s of CPU, of which the test processes and tool servers 25.8 s (the two xdist
workers nearly all of it, the tool servers ~1 s each, from a second run's per-process
counts), the tool servers' per-sandbox workers (fill, root copy, every tool call)
12.1 s, strace 9.9 s, PID 1 and its forks 7.1 s, bubblewrap 5.9 s, ``bash`` 5.6 s,
the snippets' other programs 5.6 s.  The 1,069 runs took about 820 sandboxes (a pair
that only writes a file needs none, a procedure may need several; 1,634 bubblewrap
PIDs were sampled, two a sandbox).  What this says about the 15 s target: a sandbox
that runs only ``true`` costs ~25 ms of CPU (above), so the sandboxes alone need ~20 s
of CPU and the test processes ~24 s, ~22 s on two fully used cores before any command
or trace.  This design reaches 15 s only with about half the runs or with sandboxes and
host builds at about half the cost; neither is in sight by the measures above.  One candidate not
taken: the runner starts bubblewrap with ``Popen(user=...)``, for which Python forks
instead of using ``vfork``; ``fork_exec`` took 13.6 ms a call under ``cProfile`` in one
single-process run of ``enable.py`` and ``verify.py`` (212 calls); in a process holding
300 MB (ad hoc), starting ``true`` took 19.5 ms of CPU that way and 0.7 ms with
util-linux's ``setpriv`` doing the change of uid instead; but the
matrix showed no difference outside the noise (``tools/bench.py --only-matrix``, two
runs each alternated: 64.3 and 66.6 s of CPU against 67.3 and 60.7 s).

Is a "zygote" the way out?  ``tools/bench_run.py floor --runs 100`` on 2026-12-05
(session 20; load 0.1, yardstick 0.15 s; ``getrusage`` of the children, as the
unprivileged user ``nobody``): a bare bubblewrap sandbox (``--unshare-all``, seven mount
arguments, ``bash -c 'cat /proc/version'``) costs 3.0 ms of CPU a run; a Python process
kept in one user namespace that forks, unshares mount, PID, IPC and UTS namespaces,
mounts a tmpfs and starts the same ``bash`` costs 3.5 ms (6.6 ms when it also writes 200
files into the tmpfs); the runner's sandbox running ``true`` 26.5 ms (mean of 31,
``tools/bench_run.py single --discard --command true``, the same minute: wall median
23.4 ms, so the runs are bound by CPU, not by the kernel's namespace teardown).
Namespaces and bubblewrap are thus not where a run's time goes; what the runner adds
is (PID 1, the 151 mount arguments, the tool server's fill, attach and detach, the
padding forks, the watch), and a zygote would replace only the cheapest part.  A
profile, ad hoc the same day (``perf record -F 499`` of the matrix's process tree,
``perf report``; not a committed benchmark): the kernel took 61 % of the CPU time, and
~9 % of all of it went to copying and freeing the page tables of forked Python
processes (``copy_page_range``, ``unmap_page_range``, write faults); of
``bubblewrap``'s ~10 %, about two fifths were the dynamic loader's CPU identification
(``handle_amd``) and reading ``/proc/self/mountinfo``, which bubblewrap does for each
read-only bind.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import random
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass

from nested_snippets.fakehost import state as fk
from nested_snippets.fakehost.commands import PY_TOOLS
from nested_snippets.fakehost.host import FakeHost, Scenario
from nested_snippets.fakehost.reads import SYSFS, canon, lookup
from nested_snippets.fakehost.state import State as FakeState
from nested_snippets.fakehost.toolserver import FILL, HARVEST, REBOOT

MIN_CHECKED = 50
"""Shared items re-run in full per test session (or all, when fewer are shared)."""


def placeholder(release: str) -> str:
    """What stands for ``release`` in what is compared: its length stays, as a file or
    an output that holds the name differs in size by it (``wc -c < /proc/version``)."""
    return f"\0release{len(release)}\0"


Rerun = Callable[[], tuple[str, object]]
"""Runs an item in full: (the key of its freshly built host, its observations)."""


@dataclass
class Pair:
    """An item that used the result of an earlier, identical run."""

    item: str
    first: str
    run_key: str
    used: object
    rerun: Rerun


_TABLE: dict[str, tuple[object, str]] = {}
_PAIRS: list[Pair] = []


def enabled() -> bool:
    return os.environ.get("NKG_NO_SHARE") != "1"


def key(host: FakeHost, scenario: Scenario, bodies: list) -> str:
    """What a run of ``bodies`` on the freshly built ``host`` can observe, hashed."""
    state = (host.built or host.state()).to_json()
    release = state.pop("release")
    state.pop("kernel")
    observed = (
        state,
        sorted(scenario.given.files.items()),
        scenario.given.cmdline,
        [repr(b) for b in bodies],
    )
    # repr, not marshal or pickle: their bytes also depend on object identity and interning
    text = repr(observed).replace(release, placeholder(release))
    return hashlib.sha256(text.encode()).hexdigest()


def _swap(value, old: str, new: str):
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, (list, tuple)):
        return type(value)(_swap(v, old, new) for v in value)
    return value


def recall(run_key: str, release: str) -> tuple[object, str] | None:
    """(observations shared under ``run_key`` for ``release``, the item that ran them)."""
    if not enabled():
        return None
    seen = _TABLE.get(run_key)
    return None if seen is None else (_swap(seen[0], placeholder(release), release), seen[1])


def remember(run_key: str, release: str, seen, item: str) -> None:
    _TABLE[run_key] = (_swap(seen, release, placeholder(release)), item)


def note_shared(item: str, first: str, run_key: str, used, rerun: Rerun) -> None:
    """Remember that ``item`` used the result of ``first`` (for :func:`check_pairs`)."""
    _PAIRS.append(Pair(item, first, run_key, used, rerun))


def new_seed() -> int:
    text = os.environ.get("NKG_SHARE_SEED", "")
    if text:
        try:
            return int(text)
        except ValueError:
            raise SystemExit(f"NKG_SHARE_SEED must be an integer, not {text!r}") from None
    return random.SystemRandom().randrange(1 << 32)


def _rank(seed: int, item: str) -> str:
    return hashlib.sha256(f"{seed}\0{item}".encode()).hexdigest()


@dataclass
class Checked:
    """What :func:`check_pairs` did in one test process."""

    shared: int
    checked: list[str]
    failures: list[str]

    def to_json(self) -> dict:
        return {"shared": self.shared, "checked": self.checked, "failures": self.failures}


def check_pairs(seed: int, count: int) -> Checked:
    """Re-run ``count`` of this process's shared items (chosen by ``seed``) in full."""
    checked: list[str] = []
    failures = []
    for pair in sorted(_PAIRS, key=lambda p: _rank(seed, p.item)):
        if len(checked) == count:
            break
        try:
            run_key, full = pair.rerun()
        except Exception as exc:  # the full run itself failed: as unsound as a difference
            run_key, full = pair.run_key, f"the full run raised {exc!r}"
        if run_key != pair.run_key:
            continue  # the host cannot be built again as it was (a test changed the data)
        checked.append(pair.item)
        if full != pair.used:
            failures.append(
                f"{pair.item}: sharing is unsound here: it used the run of {pair.first}, "
                f"which gave {pair.used!r}; run in full it gives {full!r}"
            )
    shared = len(_PAIRS)
    _PAIRS.clear()
    return Checked(shared, checked, failures)


def forget() -> None:
    """Empty the table and the pairs (tests)."""
    _TABLE.clear()
    _PAIRS.clear()
    _READS.clear()
    _TRACED.clear()


# ------------------------------------------------------------ tracing where it pays
_TRACED: dict[str, int] = {}
"""Traced runs of each group so far."""


def worth_tracing(
    group_key: str, agrees: Callable[[ReadEntry], bool] | None = None, last: bool = False
) -> bool:
    """Whether the next run of ``group_key`` (one not served by an earlier run) should
    be traced.

    A traced run costs two to three times an untraced one (strace starts each command
    and stops at each file call) and pays only when a later item of its group is
    served by what it read.  The item's next release is the likeliest to be: so a run
    is traced when ``agrees`` says that the next release's host shows what this
    release's host shows in every part the group's last traced run read (its paths
    and its parts of the state, :func:`agree`), never at the item's ``last`` release,
    and always when the next release is not known (``agrees`` None: a run outside a
    test item).  A group's first run is traced (nothing has been read yet); a group
    whose traced runs vouched for nothing twice is not traced again.  Untraced runs
    never vouch for anything, so this decides cost, never what is shared."""
    if last:
        return False
    entries = _READS.get(group_key)
    traced = _TRACED.get(group_key, 0)
    if not entries and traced >= 2:
        return False
    if entries and agrees is not None and not agrees(entries[-1]):
        return False
    _TRACED[group_key] = traced + 1
    return True


@dataclass
class View:
    """A built host as a run of it would see it: its state, its trees (described on
    the first call), its release."""

    built: FakeState
    tree: Callable[[], dict[str, fk.Node]]
    release: str


def agree(entry: ReadEntry, here: View, there: View) -> bool:
    """Whether ``there`` shows what ``here`` shows in every part ``entry`` read: then a
    run on ``here`` that reads what ``entry`` read would serve ``there``."""
    for key, _seen in entry.needs:
        if _value(here.built, key, here.release) != _value(there.built, key, there.release):
            return False
    paths = entry.paths
    return look(here.tree(), paths, here.release) == look(there.tree(), paths, there.release)


# ------------------------------------------------------------ keys on what a run read

TREES = ("/sys", "/proc", "/lib", "/dev")
"""Where the sandbox shows the fake kernel (tmpfs trees filled from the state)."""
_QUOTED = r'"((?:[^"\\]|\\.)*)"'
"""A string as strace prints it (C escapes)."""
_STRING = re.compile(_QUOTED + r"(\.\.\.)?")
"""A string strace printed (``...`` after it when it was cut)."""
_AT_FD = re.compile(r"[(,] ?\d+(?:<[^>]*>)?, " + _QUOTED.replace("*", "+", 1))
"""A name relative to a directory descriptor (``openat(3, "npt", ...)``): strace cannot
name the descriptor's directory in the sandbox (its /proc is the fake host's)."""
_CHDIR = re.compile(r"^(\d+)\s+chdir\(" + _QUOTED + r"\)\s+= 0$")
_CHDIR_START = re.compile(r"^(\d+)\s+chdir\(" + _QUOTED + r" <unfinished \.\.\.>$")
_CHDIR_DONE = re.compile(r"^(\d+)\s+<\.\.\. chdir resumed>\)\s+= 0$")
_REFUSED = re.compile(
    r"^\d+\s+(?:<\.\.\. )?(?:fchdir\b|(?:f?statfs(?:64)?|symlink(?:at)?)\b(?!.*= -1 E)"
    r"(?!.*<unfinished))"
    r"|^\d+\s+<\.\.\. (?:f?statfs(?:64)?|symlink(?:at)?) resumed>.*= 0$"
)
"""Calls whose effect the record cannot follow: a directory changed to by descriptor,
a file system's free space that was answered (the trees' differs with the number of
files written; ``ls`` asking for SELinux's, absent, is a mere lookup), a symbolic link
made (a later name through it would not show the tree it leads to)."""
_MOVES = re.compile(r"^\d+\s+(?:rename(?:at2?)?|link(?:at)?)\(")
"""A name given to a file under another name (``rename``, ``link``): a later read through
the new name would not show the tree it came from (``mv /sys/module/kvm/parameters /sys/p;
cat /sys/p/tdp_mmu`` named ``/sys/p/tdp_mmu``, which no built host has: review of
2026-12-04, session 17), so a record that moves or links a tree path vouches for nothing."""
_EXEC_START = re.compile(r"^(\d+)\s+execve(?:at)?\((?:AT_FDCWD, )?" + _QUOTED)
_EXEC_FAILED = re.compile(r"^(\d+)\s+(?:<\.\.\. )?execve(?:at)?\b.*\) += -1 (E\w+)(?: \(.*\))?$")
_EXEC_DONE = re.compile(r"^(\d+)\s+(?:<\.\.\. )?execve(?:at)?\b.*\) += 0$")
"""A program executed.  The kernel looks up the interpreter its ``#!`` line or
``PT_INTERP`` names without a call that names it, so a program that is not one of
``/usr`` (the machine's, read-only) or the fake tools' may have read a tree path
unseen (review of 2026-12-05, session 18: ``#!/lib/modules/RELEASE/../../../usr/bin/sh``
in a script the run wrote ran on one release only): see :func:`_known_program`."""
"""A program executed (its name), and one that was not: the kernel looks up the
interpreter a script's ``#!`` line or an ELF's ``PT_INTERP`` names without a call that
names it, so ``ENOENT`` where that is absent and ``EACCES`` where it is a directory or
a file of the trees tell what the record does not show (review of 2026-12-03,
session 10).  A failure vouches only where the program itself is absent
(:func:`_no_such_program`), as in a search of ``PATH``."""
START_DIR = "/root"
"""Where each command starts (:mod:`.pid1`)."""
_TOOL_CALL = re.compile(r"^\d+\s+connect\(.*AF_INET")
_PID = re.compile(r"^(\d+)\s")
_MADE = re.compile(r"^\d+\s+(?:<\.\.\. )?(?:clone|fork|vfork)\b.*\) = (\d+)$")
_ENDED = re.compile(
    r"^(\d+)\s+\+\+\+ (?:exited with \d+|killed by SIG\w+(?: \(core dumped\))?"
    r"|superseded by execve in pid \d+) \+\+\+$"
    r"|^(\d+)\s.*<pid changed to \d+ \.\.\.>$"  # a thread that executed a program
)


def complete(text: str) -> bool:
    """Every process in the record (each line's pid, each pid a clone or fork returned)
    has its end in it: strace saw the whole run.  A snippet that kills strace leaves
    the processes it detached, the killer among them, without an end."""
    seen: set[str] = set()
    ended: set[str] = set()
    for line in text.splitlines():
        if m := _ENDED.match(line):
            ended.add(m.group(1) or m.group(2))
        elif m := _PID.match(line):
            seen.add(m.group(1))
            if made := _MADE.match(line):
                seen.add(made.group(1))
    return bool(seen) and seen <= ended


def read_paths(traces: list[str], release: str) -> tuple[list[str], int] | None:
    """(the tree paths a run named -- opened, listed, looked up, executed -- with the
    release replaced by the placeholder, how many fake tool calls it made); None when
    the trace cannot vouch for the run: it was cut short, a name was cut, the run
    entered a tree, named a file relative to a directory descriptor, changed directory
    by descriptor, asked a file system's free space, moved or linked a tree path
    (:data:`_MOVES`) or connected with ``sendto``'s ``MSG_FASTOPEN`` (a tool call the
    count of ``connect`` lines misses; review 13).

    Names relative to the working directory are resolved against each process's own
    (each command starts in :data:`START_DIR`; a child starts where its parent was;
    ``chdir`` moves it).  Every string of a traced call counts as a name, the words of
    an ``execve`` included: reading more names than were used only shares less."""
    paths: set[str] = set()
    calls = 0
    for text in traces:
        if not text.endswith("\n") or "execve(" not in text or not complete(text):
            return None  # cut short, strace did not start the command or was killed
        cwd: dict[str, str | None] = {}
        pending: dict[str, str] = {}
        execs: dict[str, str] = {}  # the name each process last asked to execute
        moved_any = shared_fs = False
        for line in text.splitlines():
            pid = line.split(" ", 1)[0]
            if (
                pid not in cwd
            ):  # the first process, or a child seen before its parent's clone returned
                cwd[pid] = START_DIR if not cwd or not moved_any else None
            here = cwd[pid]
            # each pattern is tried only on lines holding its call's name (the same
            # answers; most of a record is the dynamic loader opening libraries)
            if ("chdir" in line or "statfs" in line or "symlink" in line) and _REFUSED.match(line):
                return None
            if ', "' in line and _AT_FD.search(line):
                return None
            if "connect(" in line and _TOOL_CALL.search(line):
                calls += 1
            if "MSG_FASTOPEN" in line:
                return None  # a connection a sendto makes, which no connect line counts
            if "clone" in line or "fork" in line:
                # CLONE_FS is read on the call's first line: a clone cut by another
                # process's line ends in "<... clone resumed>, ...) = N", without its
                # flags, and the new thread may have changed directory before that
                shared_fs = shared_fs or "CLONE_FS" in line
                if made := _MADE.match(line):
                    cwd[made.group(1)] = here
            if "chdir" in line:
                target = None
                if m := _CHDIR.match(line):
                    target = m.group(2)
                elif m := _CHDIR_START.match(line):
                    pending[pid] = m.group(2)
                elif (m := _CHDIR_DONE.match(line)) and pid in pending:
                    target = pending.pop(pid)
                if target is not None:
                    moved_any = True
                    if here is None or shared_fs:
                        return None  # where it went cannot be followed
                    moved = _looked_up(os.path.join(here, _unescape(target)))
                    if moved is None:
                        return None  # a ".." after a symbolic link
                    here = moved[-1]
                    if _in_trees(here):
                        return None
                    cwd[pid] = here
            if "execve" in line:
                if m := _EXEC_START.match(line):
                    execs[m.group(1)] = _unescape(m.group(2))
                if (m := _EXEC_FAILED.match(line)) and not _no_such_program(
                    execs.get(m.group(1), ""), m.group(2), here
                ):
                    return None
                if (m := _EXEC_DONE.match(line)) and not _known_program(
                    execs.get(m.group(1), ""), here
                ):
                    return None  # its interpreter was looked up unnamed
            if '"' not in line:
                continue
            moves = ("rename" in line or "link" in line) and _MOVES.match(line)
            for raw, cut in _STRING.findall(line):
                if cut:
                    return None
                name = _unescape(raw)
                if not name:
                    continue
                if here is None and not name.startswith("/"):
                    return None
                full = name if name.startswith("/") else f"{here.rstrip('/')}/{name}"
                if "/." in full or "//" in full:
                    looked = _looked_up(full)
                    if looked is None:
                        return None  # a ".." after a symbolic link
                else:  # already normal but for a trailing slash
                    looked = [full.rstrip("/") or "/"]
                for path in looked:
                    if _in_trees(path):
                        if moves:
                            return None
                        paths.add(path.replace(release, placeholder(release)))
    return sorted(paths), calls


_TREE_DIRS = tuple(t + "/" for t in TREES)
_TOOLS_DIR = "/run/fakehost/bin/"
_TOOLS = frozenset(("_fake_tool", "sudo", FILL, *PY_TOOLS))
"""What :func:`.sandbox.base` puts in the fake tools' directory."""


_PROGRAM_DIRS = ("/usr/", "/bin/", "/sbin/")
"""The machine's programs as the sandbox shows them (read-only; ``/bin`` and ``/sbin``
lead into ``/usr``)."""


def _program_path(name: str, here: str | None) -> str | None:
    """The absolute path an ``execve`` of ``name`` asked for from directory ``here``;
    None when it cannot be told (no name, a ``.`` or ``//`` in it, an unknown here)."""
    if not name or "/." in name or "//" in name:
        return None
    if name.startswith("/"):
        return name
    return None if here is None else f"{here.rstrip('/')}/{name}"


def _known_program(name: str, here: str | None) -> bool:
    """Whether a program executed by ``name`` is the machine's or a fake tool: then its
    interpreter is the machine's too, which no snippet can change."""
    path = _program_path(name, here)
    if path is None:
        return False
    if path.startswith(_TOOLS_DIR):
        return path[len(_TOOLS_DIR) :] in _TOOLS
    return path.startswith(_PROGRAM_DIRS) and not path.startswith("/usr/local/")


def _no_such_program(name: str, err: str, here: str | None) -> bool:
    """Whether an ``execve`` of ``name`` that failed with ``err`` failed because the
    sandbox has no such file: one the fake tools' directory lacks, one of the empty
    ``/usr/local``, or one of ``/usr`` (the machine's, which the sandbox shows) that the
    machine lacks.  Any other failure may be about the interpreter the file names."""
    path = _program_path(name, here)
    if err != "ENOENT" or path is None:
        return False
    if path.startswith(_TOOLS_DIR):
        return path[len(_TOOLS_DIR) :] not in _TOOLS and "/" not in path[len(_TOOLS_DIR) :]
    if path.startswith("/usr/local/"):
        return True
    return path.startswith("/usr/") and not os.path.lexists(path)


def _in_trees(path: str) -> bool:
    return path in TREES or path.startswith(_TREE_DIRS)


def _normal(path: str) -> str:
    """``path`` as the kernel walks it: ``os.path.normpath`` keeps exactly two leading
    slashes (POSIX leaves their meaning to the system); Linux reads them as one, so
    ``//sys/module`` is ``/sys/module``."""
    path = os.path.normpath(path)
    return "/" + path.lstrip("/") if path.startswith("//") else path


def _unescape(text: str) -> str:
    """A string as strace printed it (``\\"``, ``\\n``, ``\\x2f``, ``\\057`` ...), decoded."""
    if "\\" not in text:
        return text
    data = codecs.escape_decode(text.encode("latin-1", "backslashreplace"))[0]
    return data.decode("utf-8", "surrogateescape")


_LINKS = ("/bin", "/sbin", "/lib64", "/dev/fd", "/dev/stdin", "/dev/stdout", "/dev/stderr")
"""Symbolic links the sandbox makes (see :mod:`.sandbox`), besides ``/lib``'s links to
the multiarch library directories and the machine's own under ``/usr``."""


def _may_be_link(path: str) -> bool:
    """Whether the sandbox may show ``path`` (normal) as a symbolic link: one it makes,
    or one of the machine's, whose ``/usr`` and ``/etc/alternatives`` it shows (a link
    the snippet makes refuses the record, see ``_REFUSED``)."""
    if path in _LINKS or (path.startswith("/lib/") and path.count("/") == 2):
        return path != "/lib/modules"
    return not _in_trees(path) and os.path.islink(path)


def _looked_up(path: str) -> list[str] | None:
    """``path`` normalised; with a ``..``, also each directory the kernel walked through
    (``/sys/module/kvm/../x`` needs ``/sys/module/kvm``).  None when a ``..`` follows a
    symbolic link: the kernel goes up from where the link leads, not from where it is
    (``/usr/bin/X11/../../sys`` is ``/sys``, ``/usr/bin/X11`` being a link to ``.``;
    review of 2026-12-03, session 10)."""
    if "/.." not in path:
        return [_normal(path)]
    walked, here, linked = [], "/", False
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if linked:
                return None
            here = os.path.dirname(here)
        else:
            here = f"{here.rstrip('/')}/{part}"
            linked = linked or _may_be_link(here)
        walked.append(here)
    return walked or ["/"]


def look(plan: dict[str, fk.Node], paths: list[str], release: str) -> str:
    """What ``paths`` show in the trees ``plan`` describes (:func:`.fakehost.state.trees`
    of a built host: what the sandbox's first fill writes), hashed: for each path its
    kind, mode and content or listing, or why it is absent (``ENOENT``, or ``ENOTDIR``
    where a component on the way is a file).  Nothing is written to look."""
    children: dict[str, list[str]] = {}
    for rel in plan:
        parent, _, name = rel.rpartition("/")
        children.setdefault(parent, []).append(name)
    seen: list[tuple] = []
    for shown in paths:
        rel = shown.replace(placeholder(release), release).strip("/")
        node = plan.get(rel)
        if node is None:
            seen.append((shown, _absent(plan, rel)))
            continue
        kind, mode, text = node
        if kind == stat.S_IFDIR:
            what = sorted(n.replace(release, placeholder(release)) for n in children.get(rel, []))
        else:
            what = text.replace(release, placeholder(release))
        seen.append((shown, kind, mode, what))
    return hashlib.sha256(repr(seen).encode()).hexdigest()


def _absent(plan: dict[str, fk.Node], rel: str) -> int:
    parts = rel.split("/")
    for n in range(1, len(parts)):
        above = plan.get("/".join(parts[:n]))
        if above is None:
            return errno.ENOENT
        if above[0] != stat.S_IFDIR:
            return errno.ENOTDIR
    return errno.ENOENT


def tool_reads(
    records: list, calls: int, built: FakeState, release: str, sandboxes: int = 1
) -> tuple[list[str], list[tuple[tuple, str]]] | None:
    """What a run's fake tool calls read (their records, :mod:`.fakehost.reads`): (the
    tree paths they opened or listed, each read of the state whose value was the
    built host's, with that value); None when the records cannot vouch for the run:
    there is not one for each of its ``sandboxes``' fill and one for each call the
    traces show, or one says why not.  The runner's own records (a reboot between
    sandboxes, the harvest when one ends) count as reads, not as calls."""
    fills = sum(1 for r in records if r[0] == FILL)
    own = sum(1 for r in records if r[0] in (REBOOT, HARVEST))
    if fills != sandboxes or len(records) - fills - own != calls:
        return None
    paths: set[str] = set()
    needs: dict[tuple, str] = {}
    for _call, noted, opened, why in records:
        if why:
            return None
        paths.update(p.replace(release, placeholder(release)) for p in opened)
        for key, seen in noted:
            seen = seen.replace(release, placeholder(release))
            if key not in needs and _value(built, key, release) == seen:
                needs[key] = seen  # else the run itself wrote what this call read
    return sorted(paths), sorted(needs.items())


_PARAM_PATH = re.compile(r"^/sys/module/([^/]+)/parameters(?:/([^/]+)(?:/.*)?)?$")
"""A parameters directory, a parameter's file, or a path below the file (which fails
with ``ENOTDIR`` where the file exists and ``ENOENT`` where it does not: review of
2026-12-05, session 18), each of which shows the row."""


def row_reads(paths: list[str], built: FakeState, release: str) -> list[tuple[tuple, str]]:
    """The rows of parameter tables that the sysfs files in ``paths`` show: a value's
    file shows what was copied from its row when the module loaded (see
    :func:`.fakehost.state.insert`), a ``parameters`` directory lists the table."""
    needs = []
    for path in paths:
        m = _PARAM_PATH.match(path)
        if m:
            key = (SYSFS, m[1], m[2]) if m[2] else (SYSFS, m[1])
            needs.append((key, _value(built, key, release)))
    return needs


def _value(state: FakeState, key: tuple, release: str) -> str:
    return canon(lookup(state, key)).replace(release, placeholder(release))


@dataclass
class ReadEntry:
    paths: list[str]
    looked: str
    needs: list[tuple[tuple, str]]
    seen: object
    item: str


_READS: dict[str, list[ReadEntry]] = {}


def group(scenario: Scenario, bodies: list) -> str:
    """Items that may share by what they read: same start state but for the release,
    same bodies."""
    given = {**scenario.given.__dict__, "files": sorted(scenario.given.files.items())}
    start = (scenario.arch, repr(scenario.cpu), given)
    return hashlib.sha256(repr((start, [repr(b) for b in bodies])).encode()).hexdigest()


def has_reads(group_key: str) -> bool:
    return enabled() and bool(_READS.get(group_key))


def recall_read(
    group_key: str, tree: Callable[[], dict[str, fk.Node]], built: FakeState, release: str
) -> tuple[object, str, str] | None:
    """(observations, the item that ran them, a key) of an earlier run of this group
    whose tool calls read the same values of the state as ``built`` holds and whose
    paths show, in the trees of ``built`` (written by ``tree()`` when needed), exactly
    what they showed it; None if there is none."""
    for entry in _READS.get(group_key, []) if enabled() else []:
        if any(_value(built, key, release) != seen for key, seen in entry.needs):
            continue
        if look(tree(), entry.paths, release) == entry.looked:
            return _swap(entry.seen, placeholder(release), release), entry.item, entry.looked
    return None


def remember_read(
    group_key: str,
    tree: dict[str, fk.Node],
    release: str,
    paths: list[str],
    needs: list[tuple[tuple, str]],
    seen,
    item: str,
) -> None:
    looked = look(tree, paths, release)
    entry = ReadEntry(paths, looked, needs, _swap(seen, release, placeholder(release)), item)
    _READS.setdefault(group_key, []).append(entry)
