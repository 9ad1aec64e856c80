/**
 * JMH benchmarks of xensim's Xen transports (shared rings first), each beside JCTools and Agrona baselines run in
 * the same JMH invocation, so that "as fast as a good Java queue" is measured rather than assumed.
 */
package io.xensim.testbed.bench;
