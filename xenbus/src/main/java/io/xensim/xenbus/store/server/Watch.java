package io.xensim.xenbus.store.server;

/**
 * One registered watch: the canonical path (or special {@code @name}), the token echoed in events, and for a watch
 * registered with a relative path the implicit path to strip from event paths (C {@code watch->relative_path}).
 */
record Watch(String path, String token, String relativeBase) {
    /** The path as the client sees it in an event for {@code name} (C {@code get_watch_path()}). */
    String eventPath(String name) {
        if (relativeBase == null) {
            return name;
        }
        String rest = name.substring(Math.min(relativeBase.length(), name.length()));
        return rest.startsWith("/") ? rest.substring(1) : rest;
    }

    /** Bytes charged to the domain's memory quota, as C's {@code add_watch()}: path and token lengths. */
    int memory() {
        return path.length() + token.length();
    }
}
