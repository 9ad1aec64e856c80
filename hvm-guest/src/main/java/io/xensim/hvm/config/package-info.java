/**
 * The domain config a toolstack reads to create an HVM guest: the xl.cfg file format (libxlutil's lexer and
 * grammar), its typed result {@link io.xensim.hvm.config.DomainSpec}, and the vif and disk specification strings
 * inside it, parsed as xl 4.17 and libxlutil parse them (or, for vifs, as RHEL 5's xend reads them).
 */
package io.xensim.hvm.config;
