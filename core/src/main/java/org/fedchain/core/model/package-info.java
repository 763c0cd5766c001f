/**
 * The model file (canonical safetensors: tensors sorted by name, no metadata, hashed with SHA-256)
 * and the manifest that describes how a model was made.
 */
package org.fedchain.core.model;
