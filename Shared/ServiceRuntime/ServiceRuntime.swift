/// Configuration, logging, metrics, health endpoints and lifecycle shared by every service.
package enum ServiceRuntime {}
