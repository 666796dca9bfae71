/// Pure model mathematics: datasets, trees, forests, boosting, metrics, statistics. No I/O.
package enum ModelMath {}
