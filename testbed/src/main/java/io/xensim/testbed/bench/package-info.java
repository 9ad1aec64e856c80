/**
 * JMH benchmarks of xensim's transports, each beside a baseline measured in the same run (results in
 * docs/PERFORMANCE.md).
 */
package io.xensim.testbed.bench;
