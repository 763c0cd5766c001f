/**
 * The {@code fedchain} command line: picocli commands that parse options, ask for passwords, call
 * the node library ({@code org.fedchain.node}) and the other modules, and print.
 */
package org.fedchain.client;
