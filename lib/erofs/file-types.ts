// Dirent file_type for each tree kind (shared by the planner and the reader).

import type { Kind } from '../tree/node.js'
import {
  EROFS_FT_BLKDEV,
  EROFS_FT_CHRDEV,
  EROFS_FT_DIR,
  EROFS_FT_FIFO,
  EROFS_FT_REG_FILE,
  EROFS_FT_SOCK,
  EROFS_FT_SYMLINK,
} from './format.js'

export const FILE_TYPE_OF_KIND: Readonly<Record<Kind, number>> = {
  reg: EROFS_FT_REG_FILE,
  dir: EROFS_FT_DIR,
  symlink: EROFS_FT_SYMLINK,
  chr: EROFS_FT_CHRDEV,
  blk: EROFS_FT_BLKDEV,
  fifo: EROFS_FT_FIFO,
  sock: EROFS_FT_SOCK,
}
