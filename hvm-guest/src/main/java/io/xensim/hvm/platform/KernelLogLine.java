package io.xensim.hvm.platform;

/**
 * One line the guest kernel printed, with its printk level, so that a boot log can show INFO and above and a
 * debug view everything.
 *
 * <p><b>Threading:</b> immutable.
 */
public record KernelLogLine(Level level, String text) {
    /** The printk levels the platform code uses ({@code KERN_ERR}, {@code KERN_WARNING}, ...). */
    public enum Level {
        ERR, WARNING, INFO, DEBUG
    }

    public static KernelLogLine err(String text) {
        return new KernelLogLine(Level.ERR, text);
    }

    public static KernelLogLine warning(String text) {
        return new KernelLogLine(Level.WARNING, text);
    }

    public static KernelLogLine info(String text) {
        return new KernelLogLine(Level.INFO, text);
    }

    public static KernelLogLine debug(String text) {
        return new KernelLogLine(Level.DEBUG, text);
    }

    @Override
    public String toString() {
        return text;
    }
}
