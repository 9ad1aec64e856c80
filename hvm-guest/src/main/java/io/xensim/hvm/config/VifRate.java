package io.xensim.hvm.config;

/**
 * A vif's credit-based rate limit: {@code bytesPerInterval} bytes every {@code intervalUsecs} microseconds
 * ({@code rate_bytes_per_interval}, {@code rate_interval_usecs} of {@code libxl_device_nic}).
 */
public record VifRate(long bytesPerInterval, long intervalUsecs) {
}
