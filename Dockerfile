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
USER modelgate
WORKDIR /var/lib/modelgate
# 8080: data plane. 8081: admin API and /metrics (bound to admin_host, 127.0.0.1 by default:
# set server.admin_host to 0.0.0.0 in your config to reach it from outside the container).
EXPOSE 8080 8081
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/modelgate/modelgate.jar"]
CMD ["serve", "--config", "/etc/modelgate/gateway.yaml"]
