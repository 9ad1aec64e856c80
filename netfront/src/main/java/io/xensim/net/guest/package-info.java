/** What a simulated guest's network stack sees of its NIC, whether netfront or an emulated card: its {@code eth0}. */
package io.xensim.net.guest;
