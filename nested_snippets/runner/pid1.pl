# PID 1 of a snippet sandbox, run by the machine's perl: see pid1.py for what it does
# and why it is written in Perl.  Core Perl only, no module (not even strict): each
# sandbox starts this text, and every module costs each start.  Output goes out with
# syswrite only (no buffer a fork could copy); numbers the runner hands over: the
# system calls in NKG_SYSCALLS, the rlimits in NKG_RLIMITS.

my ($PRCTL, $SETRLIMIT, $DUP3, $MKNODAT, $CLOSE_RANGE) = split ' ', ($ENV{NKG_SYSCALLS} || '');
my $TRACE_FILE = '/run/nkg-trace';
# bash by its path under /usr (NKG_BASH), with $0 given: no search of PATH for it, and
# none by bash for itself ($BASH), which were a tenth of a traced command's record
my $BASH = ($ENV{NKG_BASH} || '') =~ m{^(/usr/[\w/.+-]+)$} ? $1 : 'bash';
# ("--": a command text that starts with - or + is a command, not bash's options; before
# review s21, "-n" ran nothing with status 0 and "-i" started an interactive shell)
my $GATE = qq{echo >&4; exec 4>&-; read -r go <&3 || exit 125; exec 3<&-; exec $BASH --noprofile --norc -c -- "\$1" bash};
my @SHELL = ($BASH, '--noprofile', '--norc', '-c', '--');

sub out {  # all of $_[0] to the runner's pipe
    my $data = shift;
    my $off = 0;
    while ($off < length $data) {
        my $n = syswrite(STDOUT, $data, length($data) - $off, $off);
        return unless $n;
        $off += $n;
    }
}

sub status_of {  # a native wait status as bash's $? gives it (128 + the signal when killed)
    my $w = shift;  # ${^CHILD_ERROR_NATIVE}: Perl's $? says 0 for a stopped child
    return 128 + (($w >> 8) & 127) if ($w & 255) == 127;  # stopped: a command that asked
    return ($w & 127) ? 128 + ($w & 127) : $w >> 8;  # PID 1 to trace it (PTRACE_TRACEME)
}

sub exec_child {  # in a forked child: stderr on the pipe, then the program
    my ($argv, $env, $cwd) = @_;
    syscall($DUP3 + 0, 1, 2, 0);
    if (defined $cwd && !chdir $cwd) {
        syswrite(STDERR, "bash: cd: $cwd: $!\n");
        exit 1;
    }
    %ENV = %$env;
    exec { $argv->[0] } @$argv;
    my $errno = $! + 0;
    syswrite(STDERR, "bash: $argv->[0]: $!\n");
    exit(($errno == 1 || $errno == 13) ? 126 : 127);  # EPERM, EACCES
}

my %ENDED;  # pid -> wait status of children reaped before their turn

sub reap {  # reap every child that has ended, as an init does, so that the orphans of a
    while ((my $done = waitpid(-1, 1)) > 0) {  # running command leave no zombies to
        $ENDED{$done} = ${^CHILD_ERROR_NATIVE};  # count against its process limit
    }  # (WNOHANG = 1; review of 2026-12-05, session 18)
}

my $SIGNAL = 0;  # the signal that ended the program reap_until last waited for (0: none)

sub reap_until {  # wait for $_[0], reaping the others meanwhile; its status
    my $pid = shift;
    until (exists $ENDED{$pid}) {
        my $done = waitpid(-1, 0);
        last if $done <= 0;  # no child left
        $ENDED{$done} = ${^CHILD_ERROR_NATIVE};
    }
    my $status = delete $ENDED{$pid};
    %ENDED = ();
    $SIGNAL = defined $status && ($status & 255) != 127 ? $status & 127 : 0;  # (127: stopped)
    return defined $status ? status_of($status) : 95;
}

sub spawn {  # run the program to its end; its status
    my ($argv, $env, $cwd) = @_;
    my $pid = fork;
    exit 95 unless defined $pid;  # no status to invent for a command that never ran
    exec_child($argv, $env, $cwd) if $pid == 0;
    return reap_until($pid);
}

sub pad {  # take $_[0] process IDs, as strace's own processes take them (pid1.py)
    for (1 .. $_[0]) {
        my $pid = fork;
        exit 0 if defined $pid && $pid == 0;
        waitpid($pid, 0) if $pid;
    }
}

sub set_limits {  # the run's rlimits (KIND SOFT HARD each), soft and hard; false if one fails
    for (@_) {
        my ($kind, $soft, $hard) = split / /;
        return 0 unless syscall($SETRLIMIT + 0, $kind + 0, pack('QQ', $soft, $hard)) == 0;
    }
    return 1;
}

sub clean {  # kill every other process of the namespace, reap them all until none is left
    while (1) {
        kill 'KILL', -1;
        return if waitpid(-1, 0) == -1;
    }
}

sub clock {
    my $t = shift;
    my $m = int($t / 60);
    return sprintf('%dm%.3fs', $m, $t - 60 * $m);
}

sub times_text {  # this process's and its children's CPU times, as bash's `times`
    my ($user, $system, $cuser, $csystem) = times;
    return clock($user) . ' ' . clock($system) . "\n" . clock($cuser) . ' ' . clock($csystem) . "\n";
}

sub drain {  # read to the end; the first $limit bytes; the command's orphans are reaped
    my ($fh, $limit) = @_;  # meanwhile (at least every 50 ms), as reap_until does
    my $kept = '';
    my $bits = '';
    vec($bits, fileno($fh), 1) = 1;
    while (1) {
        reap();
        my $ready = select(my $readable = $bits, undef, undef, 0.05);
        last if $ready < 0;  # cannot happen: no signal handler, a valid descriptor
        next unless $ready;
        my $n = sysread($fh, my $chunk, 65536);
        last unless $n;
        $kept .= substr($chunk, 0, $limit - length $kept) if length $kept < $limit;
    }
    return $kept;
}

sub traced {  # run the command under strace: its status and strace's record
    my ($trace, $command, $env, $limit) = @_;
    my $random = '';
    if (open(my $urandom, '<', '/dev/urandom')) {
        sysread($urandom, $random, 8);
        close $urandom;
    }
    my $path = $TRACE_FILE . '-' . unpack('H*', $random);
    my $record;
    if (length $random != 8
        || lstat('/etc/ld.so.preload')  # a command's code in strace: no record (review 14)
        || syscall($MKNODAT + 0, -100, $path, 0010600, 0) != 0  # AT_FDCWD, S_IFIFO | 0600
        || !sysopen($record, $path, 04000)) {  # O_RDONLY | O_NONBLOCK: no writer yet, no wait
        unlink $path;
        return (spawn([@SHELL, $command, 'bash'], $env, '/root'), '');
    }
    fcntl($record, 4, 0);  # F_SETFL: blocking again
    pipe(my $ready_r, my $ready_w) && pipe(my $go_r, my $go_w) or exit 95;
    my $pid = fork;
    exit 95 unless defined $pid;
    if ($pid == 0) {
        my $go = fcntl($go_r, 1030, 10);  # F_DUPFD_CLOEXEC above 4: the dup3 below clobbers nothing
        my $ready = fcntl($ready_w, 1030, 10);
        syscall($DUP3 + 0, $go + 0, 3, 0);
        syscall($DUP3 + 0, $ready + 0, 4, 0);
        my @gate = split ' ', ($ENV{NKG_GATE} || 'sh');  # by /usr's loader (review 14)
        exec_child([@$trace, '-o', $path, @gate, '-c', $GATE, 'sh', $command], $env, '/root');
    }
    close $go_r;
    close $ready_w;
    my $said = '';
    my $started = sysread($ready_r, $said, 1) && $said eq "\n";
    close $ready_r;
    unlink $path;
    syswrite($go_w, "\n") if $started;
    close $go_w;
    my $data = $started ? drain($record, $limit) : '';  # to the end: strace has exited
    close $record;
    return (reap_until($pid), $data);
}

sub main {
    my @commands = @_;
    exit 96 unless $PRCTL && syscall($PRCTL + 0, 4, 0, 0, 0, 0) == 0  # PR_SET_DUMPABLE 0
        && syscall($PRCTL + 0, 3, 0, 0, 0, 0) == 0;  # PR_GET_DUMPABLE
    $SIG{$_} = 'DEFAULT' for keys %SIG;  # not what the runner's starter ignored (nohup, &)
    my %config = %ENV;
    my %env = map { $_ => $ENV{$_} } grep { !/^NKG_/ } keys %ENV;
    my @limits = split /;/, ($config{NKG_RLIMITS} || '');
    exit 99 unless @limits && ($config{NKG_RECORD} || '') =~ /^\d+$/ && set_limits(@limits);
    my $record_limit = $config{NKG_RECORD} + 0;
    my $mark = '';
    {
        my ($ready, $go) = ($config{NKG_READY} || '', $config{NKG_GO} || '');
        last unless $ready =~ /^\d+$/ && $go =~ /^\d+$/;
        open(my $r, '>&=', $ready) or last;
        syswrite($r, "\n");
        close $r;
        open(my $g, '<&=', $go) or last;
        my $data = '';
        while (index($data, "\n") < 0 && length $data <= 128) {
            last unless sysread($g, $data, 128, length $data);
        }
        close $g;
        ($mark) = split /\n/, $data, 2;
        $mark = '' unless defined $mark;
        $mark =~ s/^\s+|\s+$//g;
    }
    exit 98 unless length $mark;
    if (syscall($CLOSE_RANGE + 0, 3, 4294967295, 0) != 0) {
        for my $fd (3 .. 4095) {  # a kernel before 5.9
            my $fh;
            close $fh if open($fh, '<&=', $fd) || open($fh, '>&=', $fd);
        }
    }
    pad($config{NKG_FILL_PIDS} || 0);
    open(STDERR, '>', '/dev/null');
    my @trace = split ' ', ($config{NKG_TRACE} || '');
    my $pids = $config{NKG_PID_PAD} || 0;
    my %shell_env = (%env, PWD => '/root', OLDPWD => '/root', SHLVL => '1');
    my $i = 0;
    for my $command (@commands) {
        $i++;
        # a backstop: the seccomp filter refuses prlimit on PID 1 (which the kernel
        # allows to PID 1's uid); limits lowered cannot be raised again, and no
        # command runs under lowered ones
        exit 95 unless set_limits(@limits);
        out("$mark B $i\n");
        my ($status, $record);
        if (@trace) {
            ($status, $record) = traced(\@trace, $command, \%shell_env, $record_limit);
        } else {
            pad($pids);
            $status = spawn([@SHELL, $command, 'bash'], \%shell_env, '/root');
        }
        clean();
        fcntl(STDOUT, 4, 0);  # F_SETFL: the pipe, which a command shares, blocking (review 14)
        # the signal too: bash's $? of a kill and an exit with the same number are one
        # status (review s21: "exit 153" was taken for the file-size limit's SIGXFSZ)
        out("\n$mark E $i $status $SIGNAL\n" . times_text());
        out("$mark T $i\n" . $record) if @trace;
    }
    exit 0;
}

main(@ARGV);
