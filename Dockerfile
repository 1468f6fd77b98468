# Build stage: the whole reactor, tests skipped (CI runs them).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY router-core ./router-core
COPY gateway ./gateway
COPY benchmarks ./benchmarks
COPY config ./config
RUN mvn -B -ntp -DskipTests package

# Runtime stage: a JRE, the one jar, a non-root user.
FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /var/lib/modelgate modelgate \
 && mkdir -p /var/lib/modelgate /etc/modelgate \
 && chown modelgate /var/lib/modelgate
COPY --from=build /src/gateway/target/modelgate.jar /opt/modelgate/modelgate.jar
COPY config/gateway.yaml /etc/modelgate/gateway.yaml
# AppCDS: a training run (start on free loopback ports, become ready, stop) archives the classes
# start-up loads, which roughly halves start-up to ready. A JVM that cannot use the archive (another
# jar or JVM) ignores it and starts as usual.
RUN cd "$(mktemp -d)" \
 && printf '%s\n' 'server: {host: 127.0.0.1, port: 0, admin_port: 0}' 'state: {dir: ./data}' 'models:' '  m:' \
      '    versions: {v1: {artifact: "training://m", served_model: m, endpoints: ["http://127.0.0.1:9"]}}' \
      '    aliases: {production: {weights: {v1: 100}, stable: v1}}' >training.yaml \
 && java -Xmx192m -Xms192m -Xmn16m -XX:+UseSerialGC -XX:ArchiveClassesAtExit=/opt/modelgate/modelgate.jsa -jar /opt/modelgate/modelgate.jar \
      serve --config training.yaml --exit-after-ready \
 && rm -rf "$PWD"
USER modelgate
WORKDIR /var/lib/modelgate
# 8080: data plane. 8081: admin API and /metrics (bound to admin_host, 127.0.0.1 by default:
# set server.admin_host to 0.0.0.0 in your config to reach it from outside the container).
EXPOSE 8080 8081
# The README's recommended JVM flags (Running: Recommended JVM flags), the heap sized by the container.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:InitialRAMPercentage=75", "-Xmn16m", "-XX:+UseSerialGC", "-XX:SharedArchiveFile=/opt/modelgate/modelgate.jsa", "-jar", "/opt/modelgate/modelgate.jar"]
CMD ["serve", "--config", "/etc/modelgate/gateway.yaml"]
