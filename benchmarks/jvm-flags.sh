# The README's recommended JVM flags for `modelgate serve` ("Recommended JVM flags"), sourced by
# compare.sh and gatling.sh: what they measure unless MODELGATE_JAVA_OPTS (or compare.sh --flags)
# says otherwise. Change them here and in the README together.
RECOMMENDED_JAVA_OPTS="-Xmx192m -Xms192m -Xmn16m -XX:+UseSerialGC"
