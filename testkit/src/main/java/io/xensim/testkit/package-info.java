/**
 * Test helpers every module's tests share (testkit is a test-scope dependency, never shipped in the xensim jar):
 * {@link io.xensim.testkit.HostTools} (a Debian package a test needs: skip outside CI, fail under {@code CI=true})
 * and {@link io.xensim.testkit.GoldenAbiChecks} (a module's ABI facts against the golden table).
 *
 * <p>Fixtures moved here from xenbus's tests keep their packages: {@code io.xensim.xenbus.bus.BusFixture} (paired
 * frontend+backend tests) and {@code io.xensim.xenbus.memory.TestSlots} (ring-slot codecs). They reach the
 * package-private parts of the code they drive, and their history follows them.
 *
 * <p>Layout: xenbus's own tests cannot depend on testkit (Maven refuses the cycle xenbus tests, testkit, xenbus),
 * so the xenbus tests that use these helpers live in testkit's {@code src/test}, in their xenbus packages, as
 * Netty's testsuite module holds tests of the modules it depends on: the bus tests that use {@code BusFixture},
 * the probe tests that need gcc, and the xenstore socket tests that run xenstore-utils and pyxs. Every other test
 * of xenbus stays in xenbus.
 */
package io.xensim.testkit;
