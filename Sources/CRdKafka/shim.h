// The C face of librdkafka as Swift sees it. Built against Debian's
// librdkafka-dev headers (2.0.2); at run time Newsflash loads librdkafka >= 2.2
// with the same soname (see README, "librdkafka at run time").
#ifndef NEWSFLASH_CRDKAFKA_SHIM_H
#define NEWSFLASH_CRDKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>

/// Swift cannot call C variadic functions, so producing goes through this
/// non-variadic wrapper of rd_kafka_producev(). The payload and key are copied
/// (RD_KAFKA_MSG_F_COPY). On success librdkafka owns `headers`; on failure the
/// caller still owns them and must destroy them. `timestamp_ms` 0 means "now".
static inline rd_kafka_resp_err_t newsflash_produce(rd_kafka_t *rk,
                                                    const char *topic,
                                                    int32_t partition,
                                                    const void *key,
                                                    size_t key_len,
                                                    const void *value,
                                                    size_t value_len,
                                                    rd_kafka_headers_t *headers,
                                                    int64_t timestamp_ms,
                                                    void *opaque) {
        if (headers) {
                return rd_kafka_producev(
                    rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE((void *)value, value_len),
                    RD_KAFKA_V_TIMESTAMP(timestamp_ms), RD_KAFKA_V_HEADERS(headers),
                    RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
        }
        return rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE((void *)value, value_len),
            RD_KAFKA_V_TIMESTAMP(timestamp_ms), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
}

/// RD_KAFKA_PARTITION_UA is a macro Swift does not import as a constant.
static const int32_t newsflash_partition_unassigned = RD_KAFKA_PARTITION_UA;

#endif
