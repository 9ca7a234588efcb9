#!/bin/sh
# The golden rules (see syslog_golden.sh) over public captures of ../shared:
# a real SYN scan of ~2000 ports (synscan.pcap), mixed IPv4 traffic with
# resets (many-protocols.pcap), an IPv6-only capture with resets
# (reddit.pcap) and a pcapng of app traffic (alexa-app.pcapng).
. "$TESTS_SRCDIR/lib.sh"
need_shared
. "$TESTS_SRCDIR/plugins/syslog/syslog_lib.sh"
rs_start
golden synscan "$SHARED_DIR/pcaps/synscan.pcap"
golden many-protocols "$SHARED_DIR/pcaps/many-protocols.pcap"
golden reddit "$SHARED_DIR/pcaps/reddit.pcap"
golden alexa-app "$SHARED_DIR/pcaps/alexa-app.pcapng"
finish
