#!/bin/sh
# bench/run.sh: tcptrack's throughput and memory on big captures, next to the
# libpcap floor and, on request, Debian's tcptrack 1.4.2.
#
# A benchmark, not a test: it prints figures and ratios measured in one run
# and exits 0 whatever they are (non-zero only when it cannot run at all).
#
# usage: bench/run.sh [--with-1x] [--perf] [--workloads a,b,c] [--repeat N]
#                     [--workdir DIR] [--real FILE]
#   --with-1x      also time /usr/bin/tcptrack (1.4.2) on workload (a); it
#                  takes minutes per run
#   --perf         also record one perf profile of tcptrack on (a) and print
#                  its top symbols
#   --workloads    which of a, b, c to run (default a,b,c)
#   --repeat N     timings per program and workload, best kept (default 3)
#   --workdir DIR  where tools, captures and logs go (default bench/out
#                  beside this script); captures are about 1 GB each and are
#                  generated once, then reused
#   --real FILE    the real capture of workload (c) (default: the largest
#                  capture in $SHARED_DIR/pcaps)
# environment: TCPTRACK (default ../tcptrack beside this script),
#   TCPTRACK_PLUGIN_DIR (default plugins/.libs beside it), SHARED_DIR
#   (default the "shared" folder beside the repository), CC, PCAP_CFLAGS,
#   PCAP_LIBS, TCPTRACK_1X (default /usr/bin/tcptrack)
#
# Workloads (gen-flows from $SHARED_DIR/bench):
#   (a)       -c 1000000 -p 4 -a 100000 -S 96: ~10.4M packets, 100,000
#             connections open at once
#   (b) 1k    the same with -a 1000        } how the cost per packet grows
#   (b) 1M    the same with -a 1000000     } with the size of the table
#   (c)       the largest real capture in $SHARED_DIR/pcaps
#
# With -a 1000000 every connection is open during the whole capture (~115 s
# of capture time), and a connection waits ~10 s of capture time on average
# between two of its packets, so many would outlive the default SYN timeout
# (30 s) and some the FIN timeout (60 s): they would be expired and picked up
# again mid-stream, and the table would not hold the 1,000,000 connections
# the workload is meant to measure.  For the same reason a few final ACKs
# come more than time_wait (60 s) after the last FIN, which no TCP stack
# would do (the FIN would be sent again first), and start a row of their own
# (9 of 1,000,000).  That workload therefore runs with a config file raising
# syn_timeout, fin_timeout and time_wait to 10 minutes, and max_connections
# to 2,000,000 so that nothing is evicted either.
#
# (a) also runs with TCPTRACK_READER=libpcap (row "tt/libpcap"): libpcap
# reads the file, as the floor does, instead of tcptrack's block reader;
# with tcp_health = no (row "tt/nohealth", run in the same turns as the
# floor and tcptrack, before it in every other turn): the cost of the TCP
# health measurement, which is on by default (target: at most 10%), as the
# median of the turns' ratios (a turn's two runs share the machine's load;
# the best of each may come from turns that did not), in at least 15 turns:
# on a machine whose two cores run at different speeds, a run's time
# depends on the core its busiest thread lands on, and one turn's ratio
# can be a third off either way;
# and with read_ahead = no (row "tt/1thread"): no thread reads ahead, all
# the work is on one core; and that way pinned to CPU 0 (taskset), with and
# without TCP health in 9 turns: the measurement's cost in work, which the
# speed of the core each run lands on does not move (summary only).
# Figures: wall time (best of --repeat runs, from the clock around each run;
# the floor and tcptrack run in turn)
# and peak RSS (getrusage through /usr/bin/time, Debian package "time").
#   ns/packet   = tcptrack's wall time / packets in the capture
#   bytes/conn  = (peak RSS - peak RSS of the same command on a tiny capture)
#                 / peak connections in the table.  The peak is derived from
#                 tcptrack's connection log: a connection is in the table from
#                 first_seen until last_seen plus how long the table held it
#                 (the "end" column: closed -> time_wait_acked, 3 s, or
#                 closed_linger if longer, as every close gen-flows writes
#                 ends with its final ACK (a close whose last FIN is not
#                 acknowledged is held for time_wait, 60 s: the log does not
#                 say which, so for other captures the peak is a lower
#                 bound); syn_timeout, fin_timeout, idle ->
#                 that timeout plus time_wait; evicted, reused -> last_seen;
#                 exit -> until the end).
#                 For gen-flows this is more than -a: closed connections
#                 stay for time_wait_acked (3 s of capture time).
# Correctness in passing: the total packets and payload bytes of tcptrack's
# connection log, and its rows (one per connection), are compared with
# gen-flows' exact truth (-e), and for (c)
# the total packets with tshark's conversation table (FILE.conv.txt).
set -u

die() { echo "bench: $*" >&2; exit 1; }
say() { echo "bench: $*" >&2; }

here=$(cd "$(dirname "$0")" && pwd)
with1x=0 perf=0 workloads=a,b,c repeat=3 workdir=$here/out real=
while [ $# -gt 0 ]; do
	case $1 in
	--with-1x) with1x=1 ;;
	--perf) perf=1 ;;
	--workloads) [ $# -ge 2 ] || die "--workloads needs a value"; workloads=$2; shift ;;
	--workloads=*) workloads=${1#*=} ;;
	--repeat) [ $# -ge 2 ] || die "--repeat needs a value"; repeat=$2; shift ;;
	--repeat=*) repeat=${1#*=} ;;
	--workdir) [ $# -ge 2 ] || die "--workdir needs a value"; workdir=$2; shift ;;
	--workdir=*) workdir=${1#*=} ;;
	--real) [ $# -ge 2 ] || die "--real needs a value"; real=$2; shift ;;
	--real=*) real=${1#*=} ;;
	-h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (try --help)" ;;
	esac
	shift
done
case $repeat in ''|*[!0-9]*|0) die "--repeat: a positive integer, not '$repeat'" ;; esac
want() { case ",$workloads," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

: "${TCPTRACK:=$here/../tcptrack}"
: "${TCPTRACK_PLUGIN_DIR:=$(dirname "$TCPTRACK")/plugins/.libs}"
: "${SHARED_DIR:=$here/../../shared}"
: "${TCPTRACK_1X:=/usr/bin/tcptrack}"
: "${CC:=cc}"
export TCPTRACK_PLUGIN_DIR

[ -x "$TCPTRACK" ] || die "no tcptrack at $TCPTRACK (build it: make tcptrack plugins/csv.la, or set TCPTRACK)"
[ -d "$TCPTRACK_PLUGIN_DIR" ] || die "no plugin directory at $TCPTRACK_PLUGIN_DIR (set TCPTRACK_PLUGIN_DIR)"
[ -r "$SHARED_DIR/bench/gen-flows.c" ] || die "no $SHARED_DIR/bench/gen-flows.c (set SHARED_DIR)"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing: install Debian's 'time' package (apt-get install time)"
if [ "$with1x" = 1 ]; then
	[ -x "$TCPTRACK_1X" ] || die "--with-1x: no tcptrack 1.4.2 at $TCPTRACK_1X (apt-get install tcptrack)"
	command -v script >/dev/null 2>&1 || die "--with-1x needs script(1) (util-linux)"
fi
[ "$perf" = 0 ] || command -v perf >/dev/null 2>&1 || die "--perf needs perf (Debian package linux-perf)"

mkdir -p "$workdir" || die "cannot create $workdir"
W=$(cd "$workdir" && pwd)
TCPTRACK=$(cd "$(dirname "$TCPTRACK")" && pwd)/$(basename "$TCPTRACK")
TCPTRACK_PLUGIN_DIR=$(cd "$TCPTRACK_PLUGIN_DIR" && pwd)

# ---- tools ----
newer() { [ -e "$1" ] && [ -z "$(find "$2" -newer "$1")" ]; } # $1 is not older than $2
if ! newer "$W/gen-flows" "$SHARED_DIR/bench/gen-flows.c"; then
	say "building gen-flows"
	$CC -O2 -o "$W/gen-flows" "$SHARED_DIR/bench/gen-flows.c" || die "cannot build gen-flows"
fi
if ! newer "$W/floor" "$here/floor.c"; then
	say "building floor"
	if [ -z "${PCAP_LIBS:-}" ]; then
		PCAP_CFLAGS=$(pkg-config --cflags libpcap 2>/dev/null || true)
		PCAP_LIBS=$(pkg-config --libs libpcap 2>/dev/null || echo -lpcap)
	fi
	# shellcheck disable=SC2086
	$CC -O2 ${PCAP_CFLAGS:-} -o "$W/floor" "$here/floor.c" $PCAP_LIBS || die "cannot build floor"
fi

# ---- captures ----
# gen NAME ARGS...: NAME.pcap and NAME.truth.csv in $W, made once (again
# when gen-flows was rebuilt)
gen() {
	name=$1; shift
	[ -s "$W/$name.pcap" ] && [ -s "$W/$name.truth.csv" ] &&
		newer "$W/$name.pcap" "$W/gen-flows" && return 0
	say "generating $name.pcap (gen-flows $*)"
	"$W/gen-flows" "$@" -e "$W/$name.truth.tmp" >"$W/$name.pcap.tmp" || die "gen-flows $* failed"
	mv "$W/$name.truth.tmp" "$W/$name.truth.csv" && mv "$W/$name.pcap.tmp" "$W/$name.pcap"
}
GF="-c 1000000 -p 4 -S 96"
# shellcheck disable=SC2086
gen tiny -c 10 -p 4 -a 10 -S 96
# shellcheck disable=SC2086
want a && gen flows-a100000 $GF -a 100000
# shellcheck disable=SC2086
want b && gen flows-a1000 $GF -a 1000 && gen flows-a1000000 $GF -a 1000000
if want c && [ -z "$real" ]; then
	# shellcheck disable=SC2012 # the names there are plain
	real=$(ls -S "$SHARED_DIR"/pcaps/*.pcap "$SHARED_DIR"/pcaps/*.pcapng 2>/dev/null | head -n 1)
	[ -n "$real" ] || die "no capture in $SHARED_DIR/pcaps (set SHARED_DIR or --real)"
fi

# the config of the -a 1000000 workload (see the top of this file)
cat >"$W/big-table.conf" <<'EOF'
[core]
syn_timeout = 10m
fin_timeout = 10m
time_wait = 10m
max_connections = 2000000
EOF

# ---- timing ----
# timed CMD...: run CMD in $W with stdout and stderr to $W/last.out and
# last.err; sets T (wall seconds), M (peak RSS, KiB) and C (CPU seconds,
# user + system)
timed() {
	t0=$(date +%s%N)
	(cd "$W" && /usr/bin/time -f '%e %M %U %S' -o "$W/last.time" "$@" >"$W/last.out" 2>"$W/last.err")
	rc=$?
	t1=$(date +%s%N)
	[ "$rc" = 0 ] || { cat "$W/last.err" >&2; die "failed (status $rc): $*"; }
	T=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", (b - a) / 1e9 }')
	M=$(tail -n 1 "$W/last.time" | awk '{ print $2 }')
	C=$(tail -n 1 "$W/last.time" | awk '{ print $3 + $4 }')
}
# keep_best: fold T, M and C of the last run into the best so far
keep_best() {
	bt=$(awk -v a="${bt:-$T}" -v b="$T" 'BEGIN { print (b < a) ? b : a }')
	bm=$(awk -v a="${bm:-$M}" -v b="$M" 'BEGIN { print (b < a) ? b : a }')
	bc=$(awk -v a="${bc:-$C}" -v b="$C" 'BEGIN { print (b < a) ? b : a }')
}
# best N CMD...: the best T, M and C of N runs (each minimum on its own)
best() {
	n=$1; shift
	bt='' bm='' bc=''
	i=0
	while [ "$i" -lt "$n" ]; do
		timed "$@"
		keep_best
		i=$((i + 1))
	done
	T=$bt M=$bm C=$bc
}

# tcptrack 1.4.2 has no headless mode: it draws with ncurses and refuses to
# start without a terminal.  It runs under script(1), which gives it an 80x24
# pseudo-terminal and throws its screen away; /usr/bin/time runs inside, so
# the figures are tcptrack's own.  Its wall time includes its screen redraws,
# which it cannot turn off.  With -T it exits at the end of the file.
old_timed() {
	q=$(printf '%s' "$2" | sed "s/'/'\\\\''/g")
	t0=$(date +%s%N)
	(cd "$W" && TERM=xterm COLUMNS=80 LINES=24 script -qec \
		"/usr/bin/time -f '%e %M %U %S' -o '$W/last.time' '$1' -T '$q'" /dev/null \
		</dev/null >/dev/null 2>"$W/last.err")
	rc=$?
	t1=$(date +%s%N)
	[ "$rc" = 0 ] || { cat "$W/last.err" >&2; die "failed (status $rc): $1 -T $2"; }
	# /usr/bin/time's %e has 10 ms steps; the clock outside adds script(1)
	T=$(tail -n 1 "$W/last.time" | awk '{ print $1 }')
	M=$(tail -n 1 "$W/last.time" | awk '{ print $2 }')
	C=$(tail -n 1 "$W/last.time" | awk '{ print $3 + $4 }')
}
old_best() {
	bt='' bm='' bc=''
	i=0
	while [ "$i" -lt "$1" ]; do
		old_timed "$2" "$3"
		keep_best
		i=$((i + 1))
	done
	T=$bt M=$bm C=$bc
}

# ---- checks on the connection log ----
# csv_totals LOG: "packets payload" summed over all rows
csv_totals() {
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	{ p += $col["c2s_packets"] + $col["s2c_packets"]; b += $col["c2s_payload"] + $col["s2c_payload"] }
	END { printf "%.0f %.0f\n", p, b }' "$1"
}
# truth_totals TRUTH: the same from gen-flows -e
truth_totals() {
	awk -F, 'NR > 1 { p += $5 + $6; b += $3 + $4 } END { printf "%.0f %.0f\n", p, b }' "$1"
}
# tshark_packets CONV: total TCP frames in tshark's conversation table
tshark_packets() {
	awk '$2 == "<->" { p += $10 } END { printf "%.0f\n", p }' "$1"
}
# peak_conns LOG LINGER SYN FIN IDLE TIME_WAIT TIME_WAIT_ACKED (seconds): the
# most connections in the table at once, as derived from the log (see the top
# of this file); the table holds a tuple the view let go for time_wait (a
# closed one: time_wait_acked from its last packet, taken as acknowledged)
peak_conns() {
	awk -F, -v L="$2" -v S="$3" -v F="$4" -v I="$5" -v TW="$6" -v TA="$7" '
	NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i
		hold["closed"] = L > TA ? L : TA; hold["syn_timeout"] = S + TW
		hold["fin_timeout"] = F + TW; hold["idle"] = I + TW
		next }
	{	f = $col["first_seen"]; l = $col["last_seen"]; sub(/\./, "", f); sub(/\./, "", l)
		printf "%s 1\n", f
		e = ("end" in col) ? $col["end"] : ""
		if (e in hold)
			printf "%.0f -1\n", l + 1e6 * hold[e]
		else if (e == "evicted" || e == "reused")
			printf "%s -1\n", l
		# else still in the table at the end (exit)
	}' "$1" | LC_ALL=C sort -k1,1n -k2,2n |
	awk '{ n += $2; if (n > m) m = n } END { print m + 0 }'
}

# ---- the runs ----
rows=""      # one line per table row, fields separated by |
notes=""
add_row() { rows="$rows$*
"; }
add_note() { notes="$notes$*
"; }

# workload LABEL NAME CAPTURE TRUTH(file|tshark:FILE|-) LINGER SYN FIN IDLE [tcptrack args]
workload() {
	label=$1 name=$2 cap=$3 truth=$4 lg=$5 sy=$6 fn=$7 id=$8
	shift 8
	# the floor and tcptrack take turns, so that a change in the load of
	# the machine weighs on both sides of the ratio alike
	# (a) also without the TCP health measurement, in the same turns: what
	# it costs, measured as the target asks (interleaved)
	# (at least 15 turns: one turn's ratio can be a third off either way
	# on a shared machine, see the top of this file)
	nh=0 turns_n=$repeat
	[ "$name" = flows-a100000 ] && nh=1
	[ "$nh" = 1 ] && [ "$turns_n" -lt 15 ] && turns_n=15
	printf '[core]\ntcp_health = no\n' > "$W/nohealth.conf"
	if [ "$nh" = 1 ]; then
		say "$label: floor, tcptrack and tcptrack with tcp_health = no in turn, $turns_n runs each"
	else
		say "$label: floor and tcptrack in turn, $repeat runs each"
	fi
	fbt='' fbm='' fbc='' tbt='' tbm='' tbc='' nbt='' nbm='' nbc='' turns=''
	i=0
	while [ "$i" -lt "$turns_n" ]; do
		timed "$W/floor" "$cap"
		pk=$(awk '{ print $1 }' "$W/last.out")
		bt=$fbt bm=$fbm bc=$fbc
		keep_best
		fbt=$bt fbm=$bm fbc=$bc
		# with and without the measurement: one turn in one order, the
		# next in the other, each log removed before its run (so that
		# neither pays for freeing the previous one)
		for which in $( [ "$nh" = 1 ] && [ $((i % 2)) = 1 ] && echo off on || echo on off); do
			if [ "$which" = on ]; then
				rm -f "$W/$name.csv"
				timed "$TCPTRACK" -T "$cap" -o "csv:mode=connections,file=$name.csv" "$@"
				cp "$W/last.err" "$W/$name.summary"
				bt=$tbt bm=$tbm bc=$tbc
				keep_best
				tbt=$bt tbm=$bm tbc=$bc
				t_on=$T
			elif [ "$nh" = 1 ]; then
				rm -f "$W/$name.nohealth.csv"
				timed "$TCPTRACK" -c "$W/nohealth.conf" -T "$cap" \
					-o "csv:mode=connections,file=$name.nohealth.csv" "$@"
				bt=$nbt bm=$nbm bc=$nbc
				keep_best
				nbt=$bt nbm=$bm nbc=$bc
				t_off=$T
			fi
		done
		[ "$nh" = 1 ] && turns="$turns $(awk -v a="$t_on" -v b="$t_off" 'BEGIN { printf "%.4f", a / b }')"
		i=$((i + 1))
	done
	ft=$fbt fc=$fbc
	tt=$tbt tm=$tbm tc=$tbc
	read_pk=$(sed -n 's/^tcptrack: \([0-9]*\) packets read.*/\1/p' "$W/$name.summary")
	[ "$read_pk" = "$pk" ] ||
		add_note "$label: tcptrack read ${read_pk:-?} packets, the floor $pk: $(cat "$W/$name.summary")"
	best "$repeat" "$TCPTRACK" -T "$W/tiny.pcap" -o csv:mode=connections,file=tiny.csv "$@"
	b0=$M
	peak=$(peak_conns "$W/$name.csv" "$lg" "$sy" "$fn" "$id" 60 3)
	tot=$(csv_totals "$W/$name.csv")
	got_p=${tot% *} got_b=${tot#* }
	case $truth in
	-) check="-" ;;
	tshark:*)
		want_p=$(tshark_packets "${truth#tshark:}")
		if [ "$got_p" = "$want_p" ]; then check="OK(tshark)"; else
			check="MISMATCH"
			add_note "$label: log has $got_p TCP packets, tshark's conversations $want_p"
		fi ;;
	*)
		tot=$(truth_totals "$truth")
		want_p=${tot% *} want_b=${tot#* }
		# and one row per connection
		want_r=$(($(wc -l < "$truth") - 1)) got_r=$(($(wc -l < "$W/$name.csv") - 1))
		if [ "$got_p" = "$want_p" ] && [ "$got_b" = "$want_b" ] && [ "$got_r" = "$want_r" ]; then
			check="OK"
		else
			check="MISMATCH"
			add_note "$label: log has $got_p packets / $got_b payload bytes in $got_r rows, truth $want_p / $want_b in $want_r connections"
		fi ;;
	esac
	add_row "$label|tcptrack|$pk|$ft|$tt|$tm|$b0|$peak|$check|$fc|$tc"
	if [ "$name" = flows-a100000 ]; then
		# the same, with libpcap reading the file (tcptrack's own block
		# reader is the default for classic pcap files): what the reader
		# is worth, and tcptrack's cost above a libpcap read
		say "$label: tcptrack with TCPTRACK_READER=libpcap, $repeat runs"
		best "$repeat" env TCPTRACK_READER=libpcap "$TCPTRACK" -T "$cap" \
			-o "csv:mode=connections,file=$name.libpcap.csv" "$@"
		add_row "$label|tt/libpcap|$pk|$ft|$T|$M|$b0|$peak|-|$fc|$C"
		# and with tcptrack's reader on the event loop's thread alone
		say "$label: tcptrack with read_ahead = no, $repeat runs"
		printf '[core]\nread_ahead = no\n' > "$W/noahead.conf"
		best "$repeat" "$TCPTRACK" -c "$W/noahead.conf" -T "$cap" \
			-o "csv:mode=connections,file=$name.noahead.csv" "$@"
		add_row "$label|tt/1thread|$pk|$ft|$T|$M|$b0|$peak|-|$fc|$C"
		# and the TCP health's cost on one core, pinned (taskset, from
		# util-linux), with and without it in turn: both sides then run
		# on a core of one speed, and a series moves by about 1% (the
		# same build and config on both sides gives 1.00, sd 0.01)
		R_PIN=''
		if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then
			printf '[core]\nread_ahead = no\ntcp_health = no\n' > "$W/noahead-nohealth.conf"
			say "$label: on one core (taskset -c 0, read_ahead = no), with and without TCP health in turn, 9 turns"
			i=0
			while [ "$i" -lt 9 ]; do
				for which in $( [ $((i % 2)) = 1 ] && echo off on || echo on off); do
					cf=$W/noahead.conf
					[ "$which" = off ] && cf=$W/noahead-nohealth.conf
					rm -f "$W/$name.pinned.csv"
					timed taskset -c 0 "$TCPTRACK" -c "$cf" -T "$cap" \
						-o "csv:mode=connections,file=$name.pinned.csv" "$@"
					if [ "$which" = on ]; then p_on=$T; else p_off=$T; fi
				done
				R_PIN="$R_PIN $(awk -v a="$p_on" -v b="$p_off" 'BEGIN { printf "%.4f", a / b }')"
				i=$((i + 1))
			done
		fi
		# and without the TCP health measurement (run in turn above)
		add_row "$label|tt/nohealth|$pk|$ft|$nbt|$nbm|$b0|$peak|-|$fc|$nbc"
		R_NH=$nbt R_NHC=$nbc R_TURNS=$turns R_N=$turns_n
	fi
	# for the summary: wall and CPU time, RSS, ns/packet of tcptrack and floor
	R_T=$tt R_F=$ft R_C=$tc R_FC=$fc R_M=$tm
	R_NS=$(awk -v t="$tt" -v p="$pk" 'BEGIN { print t / p * 1e9 }')
	R_FNS=$(awk -v t="$ft" -v p="$pk" 'BEGIN { print t / p * 1e9 }')
	if [ "$with1x" = 1 ] && [ "$name" = flows-a100000 ]; then
		say "$label: tcptrack 1.4.2, $repeat runs (minutes each)"
		old_best 1 "$TCPTRACK_1X" "$W/tiny.pcap"
		ob0=$M
		old_best "$repeat" "$TCPTRACK_1X" "$cap"
		add_row "$label|1.4.2|$pk|$ft|$T|$M|$ob0|$peak|-|$fc|$C"
		t_old=$T m_old=$M c_old=$C
	fi
}

if want a; then
	workload "(a) -a 100000" flows-a100000 "$W/flows-a100000.pcap" \
		"$W/flows-a100000.truth.csv" 2 64 60 3600
	a_t=$R_T a_f=$R_F a_c=$R_C a_fc=$R_FC a_m=$R_M a_nh=$R_NH a_nhc=$R_NHC a_turns=$R_TURNS a_n=$R_N
	a_pin=$R_PIN
fi
if want b; then
	workload "(b) -a 1000" flows-a1000 "$W/flows-a1000.pcap" \
		"$W/flows-a1000.truth.csv" 2 64 60 3600
	b1_ns=$R_NS b1_fns=$R_FNS b1_c=$R_C
	workload "(b) -a 1000000" flows-a1000000 "$W/flows-a1000000.pcap" \
		"$W/flows-a1000000.truth.csv" 2 600 600 3600 -c "$W/big-table.conf"
	b2_ns=$R_NS b2_fns=$R_FNS b2_c=$R_C
fi
if want c; then
	[ -r "$real" ] || die "cannot read $real"
	conv=-
	[ -r "$real.conv.txt" ] && conv="tshark:$real.conv.txt"
	workload "(c) $(basename "$real")" real "$real" "$conv" 2 30 60 3600
fi

# ---- the table ----
echo
echo "tcptrack: $TCPTRACK ($("$TCPTRACK" -v 2>&1 | head -n 1))"
echo "best of $repeat runs (of (a): floor, tcptrack and tt/nohealth, of at least 15); ratio = program's wall time / floor's (the libpcap read loop on the same file,"
echo "same run); cpu x = the same ratio of CPU time (user + system), steadier on a loaded machine"
echo
printf '%s' "$rows" | awk -F'|' '
BEGIN { fmt = "%-26s %-10s %9s %7s %9s %6s %7s %6s %5s %8s %9s %10s %s\n"
	printf fmt, "workload", "program", "packets", "floor s", "program s", "ratio", "ns/pkt",
		"Mpps", "cpu x", "RSS MiB", "peak conn", "bytes/conn", "truth" }
{	pk = $3; ft = $4; tt = $5; rss = $6; b0 = $7; peak = $8
	# below a thousand connections the difference drowns in the noise of RSS
	bpc = (peak >= 1000) ? sprintf("%.0f", (rss - b0) * 1024 / peak) : "n/a"
	printf fmt, $1, $2, pk, sprintf("%.3f", ft), sprintf("%.3f", tt), sprintf("%.2f", tt / ft),
		sprintf("%.1f", tt / pk * 1e9), sprintf("%.2f", pk / tt / 1e6),
		($10 > 0) ? sprintf("%.2f", $11 / $10) : "-",
		sprintf("%.1f", rss / 1024), peak, bpc, $9 }'
echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# quartiles V...: "median Q1 to Q3" (the first and third quartiles) of the values
quartiles() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
	function at(f,   x, i) { x = 1 + f * (NR - 1); i = int(x); return v[i] + (x - i) * (v[i + 1] - v[i]) }
	END { printf "%.2f %.2f to %.2f", at(0.5), at(0.25), at(0.75) }'
}
verdict() { awk -v v="$1" -v l="$2" 'BEGIN { print (v <= l) ? "met" : "MISSED" }'; }
if want a; then
	r=$(ratio "$a_t" "$a_f")
	echo "(a) time / floor time:                  $r   (target <= 2: $(verdict "$r" 2)); CPU time: $(ratio "$a_c" "$a_fc")"
	mib=$(awk -v m="$a_m" 'BEGIN { printf "%.1f", m / 1024 }')
	echo "(a) peak RSS:                           $mib MiB   (target <= 100 MiB: $(verdict "$mib" 100))"
	# the median of the turns' ratios: both runs of a turn see the same
	# load, which the best of each, taken from different turns, may not
	# (and the middle half of them: how far one run of the benchmark
	# can be trusted)
	# shellcheck disable=SC2086 # the ratios are words
	q=$(quartiles $a_turns)
	r=${q%% *}
	echo "(a) with / without TCP health:          $r   (median of $a_n turns' ratios; target <= 1.10: $(verdict "$r" 1.10))"
	echo "  the middle half of the turns: ${q#* }"
	# shellcheck disable=SC2086 # the ratios are words
	echo "  turn by turn: $(printf '%s\n' $a_turns | awk '{ printf "%s%.2f", (NR > 1) ? " " : "", $1 }'); best / best: $(ratio "$a_t" "$a_nh"); CPU time: $(ratio "$a_c" "$a_nhc")"
	if [ -n "$a_pin" ]; then
		# shellcheck disable=SC2086 # the ratios are words
		q=$(quartiles $a_pin)
		echo "  on one core (taskset -c 0, read_ahead = no): ${q%% *}, middle half ${q#* } (9 turns)"
	fi
fi
if want b; then
	r=$(ratio "$b2_ns" "$b1_ns")
	echo "ns/packet at -a 1000000 / at -a 1000:   $r   (target <= 2: $(verdict "$r" 2))"
	n1=$(awk -v a="$b1_ns" -v b="$b1_fns" 'BEGIN { print a - b }')
	n2=$(awk -v a="$b2_ns" -v b="$b2_fns" 'BEGIN { print a - b }')
	echo "  the same above the floor's ns/packet: $(ratio "$n2" "$n1")   ($(printf '%.1f' "$n2") vs $(printf '%.1f' "$n1") ns)"
	echo "  the same in CPU time:                 $(ratio "$b2_c" "$b1_c")"
fi
if want a && [ "$with1x" = 1 ]; then
	echo "(a) tcptrack 1.4.2 / tcptrack:          time $(ratio "$t_old" "$a_t"), CPU time $(ratio "$c_old" "$a_c"), peak RSS $(ratio "$m_old" "$a_m")"
fi
if [ -n "$notes" ]; then
	echo
	printf '%s' "$notes"
fi

# ---- profile ----
if [ "$perf" = 1 ]; then
	# shellcheck disable=SC2086
	want a || gen flows-a100000 $GF -a 100000
	say "(a): perf record"
	(cd "$W" && perf record -q -o perf.data -- "$TCPTRACK" -T "$W/flows-a100000.pcap" \
		-o csv:mode=connections,file=perf.csv >/dev/null 2>"$W/perf.err") ||
		{ cat "$W/perf.err" >&2; die "perf record failed"; }
	echo
	echo "perf profile of tcptrack on (a) ($W/perf.data), top symbols:"
	perf report -i "$W/perf.data" --stdio --no-children -F overhead,dso,sym 2>/dev/null |
		grep -v '^#' | grep -v '^$' | head -n 15
fi
exit 0
