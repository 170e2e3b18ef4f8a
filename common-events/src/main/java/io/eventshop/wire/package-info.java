/**
 * The wire format: a recorded event as a CloudEvents 1.0 structured JSON document and back,
 * lossless. Golden files in the tests pin the shape; change them only with a new schema version.
 */
package io.eventshop.wire;
