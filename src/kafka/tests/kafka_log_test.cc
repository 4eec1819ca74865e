// Kafka-specific tests beyond the conformance suite (added next).
