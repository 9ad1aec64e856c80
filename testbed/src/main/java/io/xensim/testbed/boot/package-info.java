/**
 * {@code xensim boot}'s machinery apart from the command line: disk images named by configs ({@link ConfigImages})
 * and the workloads run on booted guests ({@link Workload}).
 */
package io.xensim.testbed.boot;
