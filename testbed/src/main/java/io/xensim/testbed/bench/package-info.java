/**
 * JMH benchmarks of xensim's transports (shared rings, xenstore over its Unix socket), each beside baselines run in
 * the same JMH invocation (JCTools, Agrona, a Netty echo server), so that speed is measured as a ratio rather than
 * assumed. Results and commands are in docs/PERFORMANCE.md.
 */
package io.xensim.testbed.bench;
