#!/bin/sh
# -T of a capture gives the same alerts every time, on the capture clock:
# every metric of the rules in tests/plugins/syslog/golden/rules.conf, over each of
# the test captures, and those of health-rules.conf over the captures made
# for them, twice, compared with tests/plugins/syslog/golden/*.txt.
# Regenerate after a deliberate change with
#   SYSLOG_GOLDEN_UPDATE=1 make check TESTS=tests/plugins/syslog/syslog_golden.sh
# and review the diff.
. "$TESTS_SRCDIR/lib.sh"
. "$TESTS_SRCDIR/plugins/syslog/syslog_lib.sh"
rs_start
for c in flow synflood conns flap storm; do
	golden "$c" "$SL_DATA/$c.pcap"
done
# the TCP health metrics: a slow server, and retransmissions
for c in slow retrans; do
	golden "$c" "$SL_DATA/$c.pcap" "$SL_DATA/golden/health-rules.conf"
done
finish
