# Writes the build's version stamp (services/core/version.cc.in -> OUTPUT) at every build, so that
# the commit is that of the tree being built, not the one CMake was configured from. The file is
# rewritten only when its contents change, so an unchanged commit relinks nothing.
#   cmake -DSOURCE_DIR=... -DTEMPLATE=... -DOUTPUT=... -DVERSION=... [-DCOMMIT=...] -P VersionStamp.cmake
# COMMIT, when given (e.g. by a package build from a tarball), is used as it is. Otherwise the
# commit is git's (12 hex digits, "-dirty" when tracked files differ from it), or "unknown"
# outside a git checkout.
if(NOT COMMIT)
  set(COMMIT "unknown")
  find_program(GIT git)
  if(GIT)
    execute_process(COMMAND ${GIT} -C ${SOURCE_DIR} rev-parse --short=12 HEAD
      OUTPUT_VARIABLE head OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE failed)
    if(NOT failed AND head)
      set(COMMIT ${head})
      execute_process(COMMAND ${GIT} -C ${SOURCE_DIR} diff-index --quiet HEAD --
        RESULT_VARIABLE dirty OUTPUT_QUIET ERROR_QUIET)
      if(dirty)
        string(APPEND COMMIT "-dirty")
      endif()
    endif()
  endif()
endif()
configure_file(${TEMPLATE} ${OUTPUT} @ONLY)
