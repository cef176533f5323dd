/**
 * The documents' Ingress example (foo.bar.com, /foo to s1 and /bar to s2), written as
 * networking.k8s.io/v1, optionally with TLS from a kubernetes.io/tls secret: for the demo and the tests.
 */
export const fooBarIngress = (tlsSecret?: string): string => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: test
spec:
${tlsSecret ? `  tls:\n  - hosts: [foo.bar.com]\n    secretName: ${tlsSecret}\n` : ''}  rules:
  - host: foo.bar.com
    http:
      paths:
      - path: /foo
        pathType: Prefix
        backend: {service: {name: s1, port: {number: 80}}}
      - path: /bar
        pathType: Prefix
        backend: {service: {name: s2, port: {number: 80}}}
`
