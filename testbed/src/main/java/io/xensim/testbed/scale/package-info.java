/**
 * {@code xensim bench --scale}: many guests in one JVM, each with one vif and one vbd, and what each guest costs
 * (boot time, heap, threads). Results are recorded in docs/PERFORMANCE.md ("Scale").
 */
package io.xensim.testbed.scale;
