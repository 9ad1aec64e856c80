/** Scripted runs of the simulator (toolstack, domains, drivers) whose traces the CLI prints and the tests check. */
package io.xensim.testbed.scenario;
