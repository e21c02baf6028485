// text/sparse.ts: a compressed sparse row matrix (scipy's csr_matrix layout) for document-term and co-occurrence counts.
import { check } from '../errors.js';

/**
 * Row r holds columns `indices[indptr[r] .. indptr[r+1])` (ascending) with values `data[…]`; every other entry is 0.
 * The same three arrays as scipy.sparse.csr_matrix (`indptr`, `indices`, `data`) after `sort_indices()`.
 */
export class CsrMatrix {
  readonly rows: number;
  readonly cols: number;
  /** [rows + 1] */
  readonly indptr: Int32Array;
  /** [nnz] column of each stored value, ascending within a row */
  readonly indices: Int32Array;
  /** [nnz] */
  readonly data: Float64Array;

  constructor(rows: number, cols: number, indptr: Int32Array, indices: Int32Array, data: Float64Array) {
    check(indptr.length === rows + 1 && indptr[0] === 0 && indptr[rows] === indices.length && indices.length === data.length, 'INPUT',
      `CsrMatrix: indptr of ${indptr.length} for ${rows} rows, ${indices.length} indices, ${data.length} values do not fit together`);
    this.rows = rows;
    this.cols = cols;
    this.indptr = indptr;
    this.indices = indices;
    this.data = data;
  }

  /** Builds a matrix row by row from maps column -> value (zero values are kept out). */
  static fromRows(rows: readonly Map<number, number>[], cols: number): CsrMatrix {
    const indptr = new Int32Array(rows.length + 1);
    let nnz = 0;
    for (const r of rows) for (const v of r.values()) if (v !== 0) nnz++;
    const indices = new Int32Array(nnz), data = new Float64Array(nnz);
    let k = 0;
    rows.forEach((r, i) => {
      const cs = [...r.keys()].filter((c) => r.get(c) !== 0).sort((a, b) => a - b);
      for (const c of cs) {
        indices[k] = c;
        data[k++] = r.get(c)!;
      }
      indptr[i + 1] = k;
    });
    return new CsrMatrix(rows.length, cols, indptr, indices, data);
  }

  get nnz(): number {
    return this.data.length;
  }

  get shape(): [number, number] {
    return [this.rows, this.cols];
  }

  get(r: number, c: number): number {
    check(Number.isInteger(r) && r >= 0 && r < this.rows && Number.isInteger(c) && c >= 0 && c < this.cols, 'INPUT',
      `CsrMatrix.get(${r}, ${c}) is outside the ${this.rows} x ${this.cols} matrix`);
    let lo = this.indptr[r], hi = this.indptr[r + 1];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.indices[mid] < c) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.indptr[r + 1] && this.indices[lo] === c ? this.data[lo] : 0;
  }

  /** Row r as [column, value] pairs, columns ascending. */
  row(r: number): [number, number][] {
    check(Number.isInteger(r) && r >= 0 && r < this.rows, 'INPUT', `CsrMatrix.row(${r}) is outside rows 0..${this.rows - 1}`);
    const out: [number, number][] = [];
    for (let k = this.indptr[r]; k < this.indptr[r + 1]; k++) out.push([this.indices[k], this.data[k]]);
    return out;
  }

  /** Row-major [rows, cols] dense copy. */
  toDense(): Float64Array {
    const out = new Float64Array(this.rows * this.cols);
    for (let r = 0; r < this.rows; r++) {
      for (let k = this.indptr[r]; k < this.indptr[r + 1]; k++) out[r * this.cols + this.indices[k]] = this.data[k];
    }
    return out;
  }
}
