"""Air quality: standards as data, AQI (HJ 633), evaluation (HJ 663), stored readings."""
