package io.xensim.xenbus.store.server;

import static io.xensim.xenbus.store.server.RequestFailure.fail;
import static io.xensim.xenbus.store.wire.XsError.EINVAL;
import static io.xensim.xenbus.store.wire.XsError.ENOENT;

import io.xensim.xenbus.store.wire.CNumbers;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsPayloads;
import io.xensim.xenbus.store.wire.XsType;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code XS_CONTROL} (C xenstored_control.c): {@code check}, {@code log}, {@code logfile}, {@code memreport},
 * {@code print}, {@code quota}, {@code quota-soft} and {@code help}, with C's texts and errors. xensim keeps no
 * trace file: {@code log} and {@code logfile} are accepted and change nothing.
 *
 * <p><b>Threading:</b> confined to xenstored's executor.
 *
 * <p><b>Reference:</b> C xenstored_control.c: {@code do_control()}, {@code hard_quotas[]}, {@code soft_quotas[]},
 * {@code quota_show_current()}, {@code quota_set()}, {@code quota_get()}.
 */
final class Control {
    private static final Logger LOG = LoggerFactory.getLogger(Control.class);

    private static final String[][] COMMANDS = {
        {"check", ""}, {"log", "on|off"}, {"logfile", "<file>"}, {"memreport", "[<file>]"}, {"print", "<string>"},
        {"quota", "[set <name> <val>|<domid>]"}, {"quota-soft", "[set <name> <val>]"}, {"help", ""},
    };

    /** One line of C's {@code hard_quotas[]}/{@code soft_quotas[]}: name, description, and the config field. */
    private record Quota(String name, String descr, ToIntFunction<XenstoredConfig> get,
                         BiFunction<XenstoredConfig, Integer, XenstoredConfig> set) {
    }

    private static final List<Quota> HARD_QUOTAS = List.of(
            new Quota("nodes", "Nodes per domain", XenstoredConfig::nodesPerDomain,
                    XenstoredConfig::withNodesPerDomain),
            new Quota("watches", "Watches per domain", XenstoredConfig::watchesPerDomain,
                    XenstoredConfig::withWatchesPerDomain),
            new Quota("transactions", "Transactions per domain", XenstoredConfig::transactionsPerConnection,
                    XenstoredConfig::withTransactionsPerConnection),
            new Quota("outstanding", "Outstanding requests per domain", XenstoredConfig::outstandingRequests,
                    (c, v) -> c.withOutstandingRequests(v, Math.max(v, c.maxQueuedRequests()))),
            new Quota("transaction-nodes", "Max. number of accessed nodes per transaction",
                    XenstoredConfig::transactionNodes, XenstoredConfig::withTransactionNodes),
            new Quota("memory", "Total Xenstore memory per domain (error level)", XenstoredConfig::memoryPerDomain,
                    XenstoredConfig::withMemoryPerDomain),
            new Quota("node-size", "Max. size of a node", XenstoredConfig::nodeSize, XenstoredConfig::withNodeSize),
            new Quota("path-max", "Max. length of a node path", XenstoredConfig::pathMax,
                    XenstoredConfig::withPathMax),
            new Quota("permissions", "Max. number of permissions per node", XenstoredConfig::permsPerNode,
                    XenstoredConfig::withPermsPerNode));

    private static final List<Quota> SOFT_QUOTAS = List.of(
            new Quota("memory", "Total Xenstore memory per domain (warning level)",
                    XenstoredConfig::memoryPerDomainSoft, XenstoredConfig::withMemoryPerDomainSoft));

    private final Quotas quotas;
    private final DomainTable domains;
    private final Connections connections;

    Control(Quotas quotas, DomainTable domains, Connections connections) {
        this.quotas = quotas;
        this.domains = domains;
        this.connections = connections;
    }

    /** C {@code do_control()}. */
    XsMessage doControl(Request r) {
        byte[] payload = r.payload();
        if (XsPayloads.countStrings(payload) < 1) {
            throw fail(EINVAL);
        }
        List<String> vec = XsPayloads.split(payload);
        List<String> args = vec.subList(1, vec.size());
        return switch (vec.getFirst()) {
            case "check", "help" -> {
                if (!args.isEmpty()) {
                    throw fail(EINVAL);
                }
                yield vec.getFirst().equals("check") ? r.ack(XsType.XS_CONTROL) : help(r);
            }
            case "log" -> {
                if (args.size() != 1 || !(args.getFirst().equals("on") || args.getFirst().equals("off"))) {
                    throw fail(EINVAL);
                }
                yield r.ack(XsType.XS_CONTROL);
            }
            case "logfile" -> {
                if (args.size() != 1) {
                    throw fail(EINVAL);
                }
                yield r.ack(XsType.XS_CONTROL);
            }
            // C writes a talloc report to the trace file; we keep no trace file, and C answers EBADF (sent as
            // EINVAL, which xsd_errors lacks) when it has none.
            case "memreport" -> throw fail(EINVAL);
            case "print" -> {
                if (args.size() != 1) {
                    throw fail(EINVAL);
                }
                LOG.info("control: {}", args.getFirst());
                yield r.ack(XsType.XS_CONTROL);
            }
            case "quota" -> quota(r, args, false);
            case "quota-soft" -> quota(r, args, true);
            default -> throw fail(EINVAL);
        };
    }

    private static XsMessage help(Request r) {
        var sb = new StringBuilder();
        for (String[] cmd : COMMANDS) {
            sb.append(cmd[0]).append('\t').append(cmd[1]).append('\n');
        }
        // C sends the text without its terminating NUL.
        return r.reply(XsType.XS_CONTROL, XsPayloads.bytes(sb.toString()));
    }

    /** C {@code do_control_quota()}/{@code do_control_quota_s()}. */
    private XsMessage quota(Request r, List<String> args, boolean soft) {
        List<Quota> table = soft ? SOFT_QUOTAS : HARD_QUOTAS;
        XenstoredConfig config = quotas.config();
        if (args.isEmpty()) {
            var sb = new StringBuilder("Quota settings:\n");
            for (Quota q : table) {
                sb.append(String.format("%-17s: %8d %s\n", q.name, q.get.applyAsInt(config), q.descr));
            }
            return r.reply(XsType.XS_CONTROL, XsPayloads.strings(sb.toString()));
        }
        if (args.getFirst().equals("set")) {
            if (args.size() != 3) {
                throw fail(EINVAL);
            }
            int val = CNumbers.atoi(args.get(2));
            if (val < 1) {
                throw fail(EINVAL);
            }
            for (Quota q : table) {
                if (q.name.equals(args.get(1))) {
                    quotas.set(q.set.apply(config, val));
                    return r.ack(XsType.XS_CONTROL);
                }
            }
            throw fail(EINVAL);
        }
        if (soft || args.size() != 1) {
            throw fail(EINVAL);
        }
        int domid = CNumbers.atoi(args.getFirst());
        if (!domains.isKnown(domid)) {
            throw fail(ENOENT);
        }
        int txs = 0;
        int outstanding = 0;
        for (XsConnection c : connections.all()) {
            if (c.info().domid() == domid) {
                txs += c.transactionCount();
                outstanding += c.queuedRequests();
            }
        }
        String text = "Domain " + Integer.toUnsignedString(domid) + ":\n"
                + String.format("%-16s: %8d\n", "nodes", domains.nodes(domid))
                + String.format("%-16s: %8d\n", "watches", domains.watches(domid))
                + String.format("%-16s: %8d\n", "transactions", txs)
                + String.format("%-16s: %8d\n", "outstanding", outstanding)
                + String.format("%-16s: %8d\n", "memory", domains.memory(domid));
        return r.reply(XsType.XS_CONTROL, XsPayloads.strings(text));
    }
}
