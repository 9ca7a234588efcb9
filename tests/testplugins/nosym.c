/*
 * nosym: a shared object that is not a tcptrack plugin: it exports no
 * tcptrack_plugin symbol (only a near miss), so the loader must refuse it.
 */
int tcptrack_plugin_v1 = 1;
