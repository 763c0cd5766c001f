/** The content-addressed blob store (models, manifests): a blob is named by its SHA-256. */
package org.fedchain.core.store;
