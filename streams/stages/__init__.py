"""Pure stage logic: no Kafka, SQL, HTTP or boto3 imports here."""
